#!/usr/bin/python3
"""Writes the decoder test cases in this directory and what the reference pipeline sees for each.

For every case file NAME it writes NAME.pil.png: PIL's ImageOps.exif_transpose(Image.open(NAME)).convert("RGB"),
i.e. the picture transformers' load_image hands to CLIPProcessor. ImageDecoderPilCasesTest compares the Java
decoder with these pictures, so CI needs no Python.

One deliberate exception: Pillow 9.4 already turns a TIFF by its Orientation tag while loading it
(TiffImageFile.load_end), and exif_transpose then turns it a second time (an orientation-8 TIFF ends up
rotated 180 degrees). The Java decoder turns it once, the picture a person sees, so for TIFF the expected
picture is PIL's own loader output, Image.open(NAME).convert("RGB").

Run with Debian's Python, Pillow 9.4 and libwebp 1.2.4 (the lossy WebP cases use libwebp's advanced encoder
API through ctypes to reach the simple loop filter, sharpness and segment settings that Pillow's save() hides):
    cd src/test/resources/io/cis/worker/image/pil-cases && /usr/bin/python3 make_pil_cases.py ../../../../../../../../shared/images
"""
import ctypes
import io
import os
import sys

import numpy as np
from PIL import Image, ImageOps, PngImagePlugin

IMAGES = sys.argv[1] if len(sys.argv) > 1 else '../../../../../../../../shared/images'
coffee = Image.open(os.path.join(IMAGES, 'coffee.png')).convert('RGB')
small = coffee.crop((200, 120, 221, 133))  # 21x13: odd sizes catch row/column mix-ups


def exif_bytes(orientation):
    exif = Image.Exif()
    exif[0x0112] = orientation
    return exif.tobytes()


def write_png16(path, array, color_type):
    """PIL cannot write 16-bit colour PNGs; this writes one by hand (big-endian samples, no filtering)."""
    import struct
    import zlib
    h, w = array.shape[:2]
    raw = b''.join(b'\x00' + array[y].astype('>u2').tobytes() for y in range(h))

    def chunk(kind, data):
        return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data) & 0xffffffff)
    header = struct.pack('>IIBBBBB', w, h, 16, color_type, 0, 0, 0)
    with open(path, 'wb') as f:
        f.write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', header) + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b''))


cases = []
rng = np.random.default_rng(7)

# 16 bits: colour keeps the high byte, grey without alpha is clipped at 255, grey with alpha keeps the high byte.
write_png16('rgb16.png', rng.integers(0, 65536, (9, 11, 3), dtype=np.uint32), 2); cases.append('rgb16.png')
write_png16('rgba16.png', rng.integers(0, 65536, (9, 11, 4), dtype=np.uint32), 6); cases.append('rgba16.png')
gray = rng.integers(0, 65536, (9, 11), dtype=np.uint32)
gray[::2, ::2] = rng.integers(0, 256, (5, 6))  # some values below 256 survive the clip
write_png16('gray16.png', gray, 0); cases.append('gray16.png')
write_png16('gray16-alpha.png', rng.integers(0, 65536, (9, 11, 2), dtype=np.uint32), 4); cases.append('gray16-alpha.png')

# Alpha is dropped, never composited: colours under fully transparent pixels must survive.
rgba = small.convert('RGBA')
alpha = Image.fromarray(np.tile(np.array([0, 90, 255], dtype=np.uint8), (13, 7))[:, :21])
rgba.putalpha(alpha)
rgba.save('rgba-alpha-dropped.png'); cases.append('rgba-alpha-dropped.png')
la = small.convert('L').convert('LA'); la.putalpha(alpha)
la.save('gray-alpha.png'); cases.append('gray-alpha.png')
pal = small.quantize(16)
pal.save('palette-transparency.png', transparency=3); cases.append('palette-transparency.png')
small.convert('1').save('bilevel.png'); cases.append('bilevel.png')

# CMYK: PIL's naive conversion; a JPEG's CMYK is Adobe-inverted, a TIFF's is not.
small.convert('CMYK').save('cmyk-adobe.jpg', quality=95); cases.append('cmyk-adobe.jpg')
small.convert('CMYK').save('cmyk.tif'); cases.append('cmyk.tif')

# EXIF orientation 2..8 in a JPEG's APP1, and in the other places PIL's getexif() looks.
for o in range(2, 9):
    small.save('orientation-%d.jpg' % o, quality=95, exif=exif_bytes(o)); cases.append('orientation-%d.jpg' % o)
small.save('orientation-6-exif-chunk.png', exif=exif_bytes(6)); cases.append('orientation-6-exif-chunk.png')
info = PngImagePlugin.PngInfo()
info.add_itxt('XML:com.adobe.xmp', '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
              '<rdf:Description xmlns:tiff="http://ns.adobe.com/tiff/1.0/" tiff:Orientation="5"/></rdf:RDF></x:xmpmeta>')
small.save('orientation-5-xmp.png', pnginfo=info); cases.append('orientation-5-xmp.png')
small.save('orientation-3-lossless.webp', lossless=True, exif=exif_bytes(3)); cases.append('orientation-3-lossless.webp')
small.save('orientation-8.tif', tiffinfo={0x0112: 8}); cases.append('orientation-8.tif')

# GIF: PIL shows the first frame on the logical screen (grown if the frame overhangs it), the rest filled
# with palette index 0 or the frame's transparent index (never the background colour index).
def gif_with_frame_at(name, screen, offset, transparency=None):
    frame = Image.fromarray(np.arange(1, 13, dtype=np.uint8).reshape(3, 4), 'P')
    frame.putpalette([v for i in range(256) for v in (i * 20 % 256, 255 - i * 10 % 256, i * 5 % 256)])
    buffer = io.BytesIO()
    frame.save(buffer, 'GIF', **({} if transparency is None else {'transparency': transparency}))
    b = bytearray(buffer.getvalue())
    flags = b[10]
    pos = 13 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)
    while b[pos] != 0x2C:  # skip extensions up to the first image descriptor
        pos += 2
        while b[pos]:
            pos += b[pos] + 1
        pos += 1
    b[6:10] = screen[0].to_bytes(2, 'little') + screen[1].to_bytes(2, 'little')
    b[pos + 1:pos + 5] = offset[0].to_bytes(2, 'little') + offset[1].to_bytes(2, 'little')
    b[11] = 5  # a background colour index PIL does not use for frame 0
    with open(name, 'wb') as f:
        f.write(bytes(b))
    cases.append(name)


gif_with_frame_at('gif-first-frame-offset.gif', (9, 7), (2, 3))
gif_with_frame_at('gif-first-frame-offset-transparent.gif', (9, 7), (2, 3), transparency=12)
gif_with_frame_at('gif-first-frame-overhangs-screen.gif', (4, 2), (1, 0))

# Animated WebP: PIL shows the first frame composed by libwebp's WebPAnimDecoder on a zero-filled canvas.
def animated_webp(name, canvas=None, offset=(0, 0), **options):
    first = coffee.crop((100, 100, 180, 150))
    buffer = io.BytesIO()
    first.save(buffer, 'WEBP', save_all=True, append_images=[first.transpose(Image.Transpose.FLIP_LEFT_RIGHT)],
               duration=100, **options)
    b = bytearray(buffer.getvalue())
    if canvas is not None:  # move the first frame onto a bigger canvas (offsets are stored halved)
        b[24:27] = (canvas[0] - 1).to_bytes(3, 'little')
        b[27:30] = (canvas[1] - 1).to_bytes(3, 'little')
        pos = 12
        while b[pos:pos + 4] != b'ANMF':
            pos += 8 + int.from_bytes(b[pos + 4:pos + 8], 'little')
        b[pos + 8:pos + 11] = (offset[0] // 2).to_bytes(3, 'little')
        b[pos + 11:pos + 14] = (offset[1] // 2).to_bytes(3, 'little')
    with open(name, 'wb') as f:
        f.write(bytes(b))
    cases.append(name)


animated_webp('webp-animated-lossy.webp', quality=70)
animated_webp('webp-animated-lossy-first-frame-offset.webp', canvas=(100, 70), offset=(10, 6), quality=70)
animated_webp('webp-animated-lossless.webp', lossless=True)

# Lossy WebP with the VP8 features Pillow's save() cannot choose.
lib = ctypes.CDLL('libwebp.so.7')
ABI = 0x020f
CONFIG = dict(quality=1, segments=6, sns_strength=7, filter_strength=8, filter_sharpness=9, filter_type=10, autofilter=11)


class MemoryWriter(ctypes.Structure):
    _fields_ = [('mem', ctypes.c_void_p), ('size', ctypes.c_size_t), ('max_size', ctypes.c_size_t), ('pad', ctypes.c_uint32)]


def lossy_webp(image, name, **options):
    config = (ctypes.c_int32 * 64)()
    assert lib.WebPConfigInitInternal(config, 0, ctypes.c_float(75), ABI)
    for key, value in options.items():
        if key == 'quality':
            ctypes.cast(config, ctypes.POINTER(ctypes.c_float))[1] = value
        else:
            config[CONFIG[key]] = value
    assert lib.WebPValidateConfig(config)
    picture = (ctypes.c_uint8 * 512)()
    assert lib.WebPPictureInitInternal(picture, ABI)
    ints = ctypes.cast(picture, ctypes.POINTER(ctypes.c_int32))
    ints[2], ints[3] = image.size
    if image.mode == 'RGBA':
        assert lib.WebPPictureImportRGBA(picture, image.tobytes(), image.size[0] * 4)
    else:
        assert lib.WebPPictureImportRGB(picture, image.tobytes(), image.size[0] * 3)
    writer = MemoryWriter()
    lib.WebPMemoryWriterInit(ctypes.byref(writer))
    hooks = ctypes.cast(ctypes.addressof(picture) + 96, ctypes.POINTER(ctypes.c_void_p))  # writer, custom_ptr
    hooks[0] = ctypes.cast(lib.WebPMemoryWrite, ctypes.c_void_p).value
    hooks[1] = ctypes.addressof(writer)
    assert lib.WebPEncode(config, picture)
    with open(name, 'wb') as f:
        f.write(ctypes.string_at(writer.mem, writer.size))
    lib.WebPPictureFree(picture)
    cases.append(name)


def crop(x, y, w, h):
    return coffee.crop((x, y, x + w, y + h))


lossy_webp(crop(0, 0, 67, 45), 'vp8-simple-filter-sharpness3.webp', quality=60, filter_type=0, filter_strength=60,
           filter_sharpness=3, autofilter=0)
lossy_webp(crop(100, 50, 83, 61), 'vp8-strong-filter-sharpness7.webp', quality=45, filter_type=1, filter_strength=90,
           filter_sharpness=7)
lossy_webp(crop(200, 100, 130, 97), 'vp8-three-segments.webp', quality=85, segments=3)
lossy_webp(crop(10, 200, 50, 33), 'vp8-one-segment-q100.webp', quality=100, segments=1, sns_strength=0)
lossy_webp(crop(300, 150, 41, 77), 'vp8-q5-max-filter.webp', quality=5, filter_strength=100)
lossy_webp(crop(400, 20, 1, 1), 'vp8-single-pixel.webp')
lossy_webp(crop(50, 300, 17, 3), 'vp8-odd-strip-simple-filter.webp', quality=70, filter_type=0)
lossy_webp(crop(0, 0, 96, 64), 'vp8-no-filter.webp', quality=70, filter_strength=0, autofilter=0)
with_alpha = crop(120, 120, 59, 38).convert('RGBA')
with_alpha.putalpha(Image.linear_gradient('L').resize((59, 38)))
lossy_webp(with_alpha, 'vp8-with-alpha.webp', quality=70)

for name in cases:
    if name.endswith('.tif'):
        expected = Image.open(name).convert('RGB')  # oriented once by PIL's TIFF loader, see above
    else:
        expected = ImageOps.exif_transpose(Image.open(name)).convert('RGB')
    expected.save(name + '.pil.png')
    print(name, Image.open(name).mode, Image.open(name).size)
