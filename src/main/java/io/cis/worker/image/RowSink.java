package io.cis.worker.image;

/** Where a streaming decoder puts each decoded row: the whole picture, or its n x n block averages. */
interface RowSink {

    /** Row y, its first pixel's first byte at {@code offset} in {@code row}. */
    void accept(byte[] row, int offset, int y);

    /** The picture, once every row was accepted. */
    RgbImage picture();

    /** For factor 1 every row's RGB as stored; else {@link BlockAverager}'s averages. */
    static RowSink of(int width, int height, int factor, SampleLayout layout) {
        return factor < 2 ? new WholeRows(width, height, layout) : new BlockAverager(width, height, factor, layout);
    }
}
