/**
 * Image bytes to the CLIP input tensor, equal to what the reference pipeline (transformers' load_image:
 * {@code exif_transpose} then {@code convert("RGB")}, then CLIPProcessor's PIL path, Pillow 9.4) gives.
 *
 * <p>Entry point: {@link io.cis.worker.image.ImagePreprocessor}. Stages: {@link io.cis.worker.image.ImageDecoder}
 * (format by content, size limits from the header, EXIF orientation, PIL's RGB conversion),
 * {@link io.cis.worker.image.ClipPreprocessor} (Pillow's antialiased bicubic, centre crop, normalisation).
 * On ../shared/images every tensor equals the reference exactly.
 *
 * <p>We copy Pillow even where it is crude, so our vectors equal the Python worker's (the two share an
 * embedding cache): 16-bit grey is clipped at 255, 16-bit colour keeps its high byte, CMYK is converted
 * without colour management, ICC profiles are ignored, alpha is dropped rather than composited.
 * Where the JDK/TwelveMonkeys decoders differ from the C libraries Pillow uses, we decode as those do:
 * lossy WebP with our own VP8 decoder (libwebp's output), YCCK JPEG with libjpeg's colour tables.
 *
 * <p>Deliberate differences from Pillow 9.4:
 * <ul>
 *   <li>A TIFF's Orientation tag is applied once. Pillow applies it while loading a TIFF and
 *       {@code exif_transpose} applies it again (orientation 6 or 8 ends up upside down).</li>
 *   <li>Floating-point TIFFs are refused as UNSUPPORTED_FORMAT; Pillow cannot open the 64-bit ones either.</li>
 * </ul>
 */
package io.cis.worker.image;
