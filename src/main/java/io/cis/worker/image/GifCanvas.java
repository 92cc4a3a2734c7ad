package io.cis.worker.image;

import java.awt.image.IndexColorModel;

/**
 * Where a GIF's first frame sits. ImageIO returns the frame alone; PIL returns the logical screen
 * (grown to hold the frame if the frame overhangs it) with the frame pasted at its offset and the rest
 * filled with palette index 0, or with the frame's transparent index when it has one (Pillow 9's
 * GifImageFile.load_prepare). Most GIFs have a first frame that covers the screen, and then nothing changes.
 */
final class GifCanvas {

    final int width;
    final int height;
    final int frameLeft;
    final int frameTop;
    final int transparentIndex;

    private GifCanvas(int width, int height, int frameLeft, int frameTop, int transparentIndex) {
        this.width = width;
        this.height = height;
        this.frameLeft = frameLeft;
        this.frameTop = frameTop;
        this.transparentIndex = transparentIndex;
    }

    /** Reads the logical screen and the first image descriptor; null when the structure cannot be followed. */
    static GifCanvas read(byte[] b) {
        if (b.length < 13) {
            return null;
        }
        int screenWidth = u16(b, 6);
        int screenHeight = u16(b, 8);
        int flags = b[10] & 0xFF;
        int pos = 13 + ((flags & 0x80) != 0 ? 3 << ((flags & 7) + 1) : 0);
        int transparent = -1;
        while (pos < b.length) {
            int block = b[pos] & 0xFF;
            if (block == 0x2C) {
                if (pos + 9 >= b.length) {
                    return null;
                }
                int left = u16(b, pos + 1);
                int top = u16(b, pos + 3);
                int frameWidth = u16(b, pos + 5);
                int frameHeight = u16(b, pos + 7);
                return new GifCanvas(Math.max(screenWidth, left + frameWidth),
                        Math.max(screenHeight, top + frameHeight), left, top, transparent);
            }
            if (block != 0x21 || pos + 2 >= b.length) {
                return null;
            }
            int label = b[pos + 1] & 0xFF;
            if (label == 0xF9 && pos + 6 < b.length && (b[pos + 2] & 0xFF) >= 4) {
                transparent = (b[pos + 3] & 0x01) != 0 ? b[pos + 6] & 0xFF : -1;
            }
            pos += 2;
            while (pos < b.length && b[pos] != 0) {
                pos += (b[pos] & 0xFF) + 1;
            }
            pos++;
        }
        return null;
    }

    boolean framesTheWholeCanvas(int frameWidth, int frameHeight) {
        return frameLeft == 0 && frameTop == 0 && frameWidth == width && frameHeight == height;
    }

    /** The frame pasted onto the canvas, the canvas painted with the fill colour of {@code palette}. */
    RgbImage paste(RgbImage frame, IndexColorModel palette) {
        int fill = transparentIndex >= 0 ? transparentIndex : 0;
        byte[] fillRgb = new byte[3];
        if (fill < palette.getMapSize()) {
            fillRgb[0] = (byte) palette.getRed(fill);
            fillRgb[1] = (byte) palette.getGreen(fill);
            fillRgb[2] = (byte) palette.getBlue(fill);
        }
        byte[] canvas = new byte[Math.multiplyExact(Math.multiplyExact(width, height), 3)];
        for (int i = 0; i < canvas.length; i += 3) {
            canvas[i] = fillRgb[0];
            canvas[i + 1] = fillRgb[1];
            canvas[i + 2] = fillRgb[2];
        }
        int rowBytes = frame.width() * 3;
        for (int y = 0; y < frame.height(); y++) {
            System.arraycopy(frame.rgb(), y * rowBytes, canvas, ((frameTop + y) * width + frameLeft) * 3, rowBytes);
        }
        return new RgbImage(width, height, canvas);
    }

    private static int u16(byte[] b, int p) {
        return (b[p] & 0xFF) | (b[p + 1] & 0xFF) << 8;
    }
}
