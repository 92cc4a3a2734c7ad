package io.cis.worker.backfill;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One of n disjoint parts of the selected documents ({@code --slice i/n}), so n backfill processes can share the
 * work without overlap. OpenSearch assigns every document to exactly one slice (by a hash of its id), the same way in
 * every process, whichever point in time each one searches.
 *
 * @param id  this part, 0-based
 * @param max how many parts; 1 means everything
 */
public record Slice(int id, int max) {

    /** "i/n" on the command line; "i-n" in a systemd instance name, where '/' cannot appear. */
    private static final Pattern FORM = Pattern.compile("(\\d{1,4})[/-](\\d{1,4})");

    public static final Slice ALL = new Slice(0, 1);

    public Slice {
        if (max < 1 || id < 0 || id >= max) {
            throw new IllegalArgumentException("slice " + id + "/" + max + " must satisfy 0 <= i < n and n >= 1");
        }
    }

    public static Slice parse(String text) {
        Matcher m = FORM.matcher(text == null ? "" : text.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("slice '" + text + "' must look like i/n (e.g. 0/4) or i-n");
        }
        return new Slice(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
    }

    public boolean isWhole() {
        return max == 1;
    }

    @Override
    public String toString() {
        return id + "/" + max;
    }
}
