package io.cis.worker.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The README opens with a table of contents that names every top-level section and whose links all resolve. */
class ReadmeContentsTest {

    private static final Pattern LINK = Pattern.compile("\\]\\(#([^)]+)\\)");

    private static String contents;
    private static List<String> topLevelSections;
    private static Set<String> anchors;

    @BeforeAll
    static void read() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        int begin = readme.indexOf("**Contents**");
        int firstSection = readme.indexOf("\n## ");
        assertTrue(begin > 0 && begin < firstSection, "README.md opens with **Contents** before its first section");
        contents = readme.substring(begin, firstSection);
        topLevelSections = new ArrayList<>();
        anchors = new HashSet<>();
        boolean inCode = false;
        for (String line : readme.split("\n")) {
            if (line.startsWith("```")) {
                inCode = !inCode;
            } else if (!inCode && line.matches("#{2,4} .*")) {
                String slug = githubSlug(line.replaceFirst("^#+ ", ""));
                anchors.add(slug);
                if (line.startsWith("## ")) {
                    topLevelSections.add(slug);
                }
            }
        }
    }

    /** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
    static String githubSlug(String heading) {
        return heading.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9 _-]", "").replace(' ', '-');
    }

    @Test
    void everyLinkInTheContentsLeadsToAHeading() {
        List<String> broken = new ArrayList<>();
        Matcher m = LINK.matcher(contents);
        int links = 0;
        while (m.find()) {
            links++;
            if (!anchors.contains(m.group(1))) {
                broken.add(m.group(1));
            }
        }
        assertTrue(links >= topLevelSections.size(), "the contents has links");
        assertEquals(List.of(), broken, "contents links without a heading");
    }

    @Test
    void everyTopLevelSectionIsInTheContents() {
        List<String> missing = topLevelSections.stream().filter(slug -> !contents.contains("(#" + slug + ")")).toList();
        assertEquals(List.of(), missing, "sections missing from the README's contents");
    }

    @Test
    void slugsFollowGithub() {
        assertEquals("failure-handling-nothing-lost-nothing-looping", githubSlug("Failure handling: nothing lost, nothing looping"));
        assertEquals("quick-start-a-fresh-debian-12-machine-with-jdk-17-and-maven",
                githubSlug("Quick start (a fresh Debian 12 machine with JDK 17+ and Maven)"));
    }
}
