package io.cis.worker.image;

/** Every row's RGB, as stored. */
final class WholeRows implements RowSink {

    private final int width;
    private final int height;
    private final SampleLayout layout;
    private final byte[] rgb;

    WholeRows(int width, int height, SampleLayout layout) {
        this.width = width;
        this.height = height;
        this.layout = layout;
        this.rgb = new byte[Math.multiplyExact(Math.multiplyExact(width, height), 3)];
    }

    @Override
    public void accept(byte[] row, int offset, int y) {
        int out = y * width * 3;
        int start = offset + layout.red();
        int end = start + width * layout.bytesPerPixel();
        switch (layout.kind()) {
            case 4 -> copy(row, start, end, out, 1, 0);
            case 8 -> copy(row, start, end, out, 2, 0);
            case 13 -> copy(row, start, end, out, 3, 1);
            case 17 -> copy(row, start, end, out, 4, 1);
            case 26 -> copy(row, start, end, out, 6, 2);
            case 34 -> copy(row, start, end, out, 8, 2);
            default -> copy(row, start, end, out, layout.bytesPerPixel(), layout.sampleStep());
        }
    }

    private void copy(byte[] row, int start, int end, int out, int bpp, int step) {
        for (int i = start, o = out; i < end; i += bpp, o += 3) {
            rgb[o] = row[i];
            rgb[o + 1] = row[i + step];
            rgb[o + 2] = row[i + 2 * step];
        }
    }

    @Override
    public RgbImage picture() {
        return new RgbImage(width, height, rgb);
    }
}
