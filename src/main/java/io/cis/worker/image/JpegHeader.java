package io.cis.worker.image;

/**
 * The two facts about a JPEG that ImageIO does not tell us but PIL's colour handling depends on:
 * how many components the frame has and the Adobe APP14 colour transform (2 = YCCK).
 */
final class JpegHeader {

    static final int NO_ADOBE_MARKER = -1;

    private final int components;
    private final int adobeTransform;

    private JpegHeader(int components, int adobeTransform) {
        this.components = components;
        this.adobeTransform = adobeTransform;
    }

    int components() {
        return components;
    }

    boolean isYcck() {
        return components == 4 && adobeTransform == 2;
    }

    /** Reads the markers up to the first scan; unknown or broken structure gives 0 components. */
    static JpegHeader read(byte[] b) {
        int components = 0;
        int adobeTransform = NO_ADOBE_MARKER;
        int pos = 2;
        while (pos + 4 <= b.length) {
            if ((b[pos] & 0xFF) != 0xFF) {
                break;
            }
            int marker = b[pos + 1] & 0xFF;
            if (marker == 0xFF) {
                pos++;
                continue;
            }
            if (marker == 0xDA || marker == 0xD9) {
                break;
            }
            if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
                pos += 2;
                continue;
            }
            int length = (b[pos + 2] & 0xFF) << 8 | (b[pos + 3] & 0xFF);
            int data = pos + 4;
            boolean startOfFrame = marker >= 0xC0 && marker <= 0xCF
                    && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
            if (startOfFrame && data + 5 < b.length) {
                components = b[data + 5] & 0xFF;
            }
            if (marker == 0xEE && length >= 14 && data + 12 <= b.length
                    && b[data] == 'A' && b[data + 1] == 'd' && b[data + 2] == 'o'
                    && b[data + 3] == 'b' && b[data + 4] == 'e') {
                adobeTransform = b[data + 11] & 0xFF;
            }
            pos += 2 + length;
        }
        return new JpegHeader(components, adobeTransform);
    }
}
