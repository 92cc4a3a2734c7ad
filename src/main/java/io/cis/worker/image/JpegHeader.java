package io.cis.worker.image;

/**
 * What the frame header says about a JPEG: the facts ImageIO does not tell us but PIL's colour handling depends on
 * (how many components the frame has and the Adobe APP14 colour transform, 2 = YCCK), and whether libjpeg-turbo's
 * scaled decoding ({@link Downscale#DCT}) applies, with the size it is checked against before decoding.
 */
final class JpegHeader {

    static final int NO_ADOBE_MARKER = -1;

    private final int components;
    private final int adobeTransform;
    private final int frameMarker;
    private final int precision;
    private final int width;
    private final int height;

    private JpegHeader(int components, int adobeTransform, int frameMarker, int precision, int width, int height) {
        this.components = components;
        this.adobeTransform = adobeTransform;
        this.frameMarker = frameMarker;
        this.precision = precision;
        this.width = width;
        this.height = height;
    }

    int components() {
        return components;
    }

    int width() {
        return width;
    }

    int height() {
        return height;
    }

    /**
     * An 8-bit grey or colour (not CMYK) JPEG, Huffman-coded, baseline, extended or progressive, of a known size:
     * what the scaled libjpeg-turbo path takes. Anything else (CMYK/YCCK, 12-bit, lossless, arithmetic coding) keeps
     * the ImageIO path and its behaviour.
     */
    boolean scalable() {
        boolean huffmanDct = frameMarker == 0xC0 || frameMarker == 0xC1 || frameMarker == 0xC2;
        return huffmanDct && precision == 8 && (components == 1 || components == 3) && width > 0 && height > 0;
    }

    boolean isYcck() {
        return components == 4 && adobeTransform == 2;
    }

    /** Reads the markers up to the first scan; unknown or broken structure gives 0 components. */
    static JpegHeader read(byte[] b) {
        int components = 0;
        int adobeTransform = NO_ADOBE_MARKER;
        int frameMarker = 0;
        int precision = 0;
        int width = 0;
        int height = 0;
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
                frameMarker = marker;
                precision = b[data] & 0xFF;
                height = (b[data + 1] & 0xFF) << 8 | (b[data + 2] & 0xFF);
                width = (b[data + 3] & 0xFF) << 8 | (b[data + 4] & 0xFF);
                components = b[data + 5] & 0xFF;
            }
            if (marker == 0xEE && length >= 14 && data + 12 <= b.length
                    && b[data] == 'A' && b[data + 1] == 'd' && b[data + 2] == 'o'
                    && b[data + 3] == 'b' && b[data + 4] == 'e') {
                adobeTransform = b[data + 11] & 0xFF;
            }
            pos += 2 + length;
        }
        return new JpegHeader(components, adobeTransform, frameMarker, precision, width, height);
    }
}
