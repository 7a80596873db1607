#!/usr/bin/env python3
"""Pixel parity fixtures for dev.mmsearch.image.ClipImagePreprocessor.

Reference = Hugging Face transformers' CLIPImageProcessor (the Pillow-based "slow" processor), transcribed step by
step with Pillow + numpy only (transformers itself is not installed here):

  1. PIL.Image.open + PIL.ImageOps.exif_transpose   (transformers.image_utils.load_image)
  2. image.convert("RGB")                            (image_transforms.convert_to_rgb: alpha dropped, not composited)
  3. resize shortest edge with PIL Image.resize(size, BICUBIC)
     size = get_resize_output_image_size(default_to_square=False): short -> S, long -> int(S * long / short)
  4. center crop                                     (image_transforms.center_crop, zero padding when too small)
  5. rescale: (x.astype(float64) * rescale_factor).astype(float32)
  6. normalize: (x - mean) / std in float32, then HWC -> CHW

Outputs (image/src/test/resources/pixel-fixtures/):
  <name>.png   the 8-bit RGB image after steps 1-4 (lossless), compared by the Java test after normalising it
  index.json   per fixture: input path, preprocessing parameters, and checks of the float tensor of steps 5-6
               (sum, sum of squares, and a few sampled values) so the Java normalisation is checked too.

Derived inputs are created deterministically in fixtures/images/ (small files, committed).

Run from the repository root (Debian python3-pil 9.4 + python3-numpy):
    /usr/bin/python3 image/src/test/python/make_pixel_fixtures.py
"""
import io
import json
import math
import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

REPO = Path(__file__).resolve().parents[4]
SHARED = (REPO / ".." / "shared" / "data").resolve()
DERIVED = REPO / "fixtures" / "images"
OUT = REPO / "image" / "src" / "test" / "resources" / "pixel-fixtures"

CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073]
CLIP_STD = [0.26862954, 0.26130258, 0.27577711]


# ---------------------------------------------------------------------------------------------- reference pipeline
def resize_output_size(w, h, shortest_edge):
    short, long = (w, h) if w <= h else (h, w)
    new_short, new_long = shortest_edge, int(shortest_edge * long / short)
    return (new_short, new_long) if w <= h else (new_long, new_short)  # (width, height)


def center_crop(arr, crop_h, crop_w):
    """transformers.image_transforms.center_crop for an HWC array."""
    orig_h, orig_w = arr.shape[:2]
    top = (orig_h - crop_h) // 2
    bottom = top + crop_h
    left = (orig_w - crop_w) // 2
    right = left + crop_w
    if top >= 0 and bottom <= orig_h and left >= 0 and right <= orig_w:
        return arr[top:bottom, left:right]
    new_h = max(crop_h, orig_h)
    new_w = max(crop_w, orig_w)
    new = np.zeros((new_h, new_w) + arr.shape[2:], dtype=arr.dtype)
    top_pad = math.ceil((new_h - orig_h) / 2)
    left_pad = math.ceil((new_w - orig_w) / 2)
    new[top_pad:top_pad + orig_h, left_pad:left_pad + orig_w] = arr
    top += top_pad
    bottom += top_pad
    left += left_pad
    right += left_pad
    return new[max(0, top):min(new_h, bottom), max(0, left):min(new_w, right)]


def clip_preprocess(path, shortest_edge=224, crop=224, resample=Image.BICUBIC):
    img = Image.open(path)
    img = ImageOps.exif_transpose(img)
    img = img.convert("RGB")
    arr = np.array(img)
    h, w = arr.shape[:2]
    new_w, new_h = resize_output_size(w, h, shortest_edge)
    pil = Image.fromarray(arr)
    if (new_w, new_h) != pil.size:
        pil = pil.resize((new_w, new_h), resample=resample)
    arr = np.array(pil)
    arr = center_crop(arr, crop, crop)
    u8 = np.ascontiguousarray(arr)
    f = (u8.astype(np.float64) * (1 / 255)).astype(np.float32)
    f = (f - np.array(CLIP_MEAN, dtype=np.float32)) / np.array(CLIP_STD, dtype=np.float32)
    chw = f.transpose(2, 0, 1)
    return (w, h), u8, chw


# ---------------------------------------------------------------------------------------------- derived inputs
def shared(rel):
    return Image.open(SHARED / rel)


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def write_png16_rgb(path, arr16):
    """PIL cannot write 16-bit RGB PNGs, so this one is written chunk by chunk."""
    h, w, _ = arr16.shape
    raw = b"".join(b"\x00" + arr16[y].astype(">u2").tobytes() for y in range(h))
    ihdr = struct.pack(">IIBBBBB", w, h, 16, 2, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", zlib.compress(raw, 9)) \
        + png_chunk(b"IEND", b"")
    path.write_bytes(data)


def gif_with_offset_frame(path, transparency):
    """A GIF whose logical screen (60x40) is larger than its only frame (40x20 at 10,12): Pillow shows the frame on
    a canvas of palette index 0 (or the transparent index). Pillow always writes frame 0 full-screen, so the header
    fields are patched afterwards."""
    rng = np.random.default_rng(7)
    idx = rng.integers(1, 6, (20, 40)).astype(np.uint8)
    im = Image.fromarray(idx, "P")
    im.putpalette([0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 0, 0, 255, 255] + [90, 90, 90] * 250)
    buf = io.BytesIO()
    im.save(buf, "GIF", optimize=False, **({"transparency": transparency} if transparency is not None else {}))
    data = bytearray(buf.getvalue())
    gct = 3 * 2 ** ((data[10] & 7) + 1) if data[10] & 0x80 else 0
    data[6:10] = struct.pack("<HH", 60, 40)
    i = 13 + gct
    while data[i] != 0x2C:  # skip extension blocks up to the image descriptor
        j = i + 2
        while data[j]:
            j += data[j] + 1
        i = j + 1
    data[i + 1:i + 5] = struct.pack("<HH", 10, 12)
    path.write_bytes(bytes(data))


def make_derived():
    DERIVED.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(20261126)
    coffee = shared("skimage/coffee.png").convert("RGB")
    chelsea = shared("skimage/chelsea.png").convert("RGB")
    astronaut = shared("skimage/astronaut.png").convert("RGB")
    made = {}

    def save(name, img, **kw):
        img.save(DERIVED / name, **kw)
        made[name] = DERIVED / name

    save("gray-l.png", coffee.convert("L").resize((300, 200), Image.BICUBIC), optimize=True)

    rgba = np.array(chelsea.resize((240, 160), Image.BICUBIC).convert("RGBA"))
    alpha = np.tile(np.linspace(0, 255, 240).astype(np.uint8), (160, 1))
    alpha[:, :80] = 0                                          # fully transparent left third ...
    rgba[:, :80, :3] = rng.integers(0, 256, (160, 80, 3))      # ... with arbitrary colour underneath
    rgba[..., 3] = alpha
    save("rgba-transparent.png", Image.fromarray(rgba, "RGBA"), optimize=True)

    la = np.stack([np.array(coffee.convert("L").resize((160, 120))), np.tile(np.linspace(0, 255, 160).astype(np.uint8), (120, 1))], -1)
    save("gray-alpha-la.png", Image.fromarray(la, "LA"), optimize=True)

    save("wide-1200x150.jpg", astronaut.crop((0, 200, 512, 264)).resize((1200, 150), Image.BICUBIC), quality=90)
    save("tall-150x1200.jpg", coffee.crop((250, 0, 300, 400)).resize((150, 1200), Image.BICUBIC), quality=90)

    g16 = (np.array(coffee.convert("L").resize((128, 96)), dtype=np.uint16) * 4)  # 0..1020: part above 255
    save("gray16.png", Image.fromarray(g16.astype(np.uint16)))
    c16 = np.array(chelsea.resize((160, 120)), dtype=np.uint16) * 257 + rng.integers(0, 200, (120, 160, 3)).astype(np.uint16)
    write_png16_rgb(DERIVED / "rgb16.png", np.minimum(c16, 65535))
    made["rgb16.png"] = DERIVED / "rgb16.png"

    pal = chelsea.resize((200, 133), Image.BICUBIC).quantize(colors=64)
    save("palette.png", pal, transparency=0, optimize=True)

    save("cmyk.jpg", coffee.resize((240, 160), Image.BICUBIC).convert("CMYK"), quality=92)

    small = chelsea.resize((200, 133), Image.BICUBIC)
    for orientation in (6, 8, 3, 2):
        exif = Image.Exif()
        exif[0x0112] = orientation
        save(f"exif-orientation-{orientation}.jpg", small, quality=90, exif=exif.tobytes())

    frames = [coffee.resize((200, 133), Image.BICUBIC).quantize(colors=128), chelsea.resize((200, 133)).quantize(colors=128)]
    frames[0].save(DERIVED / "animated.gif", save_all=True, append_images=frames[1:], duration=200, loop=0)
    made["animated.gif"] = DERIVED / "animated.gif"

    save("rgb24.bmp", astronaut.resize((120, 90), Image.BICUBIC))
    save("lossless.webp", chelsea.resize((160, 107), Image.BICUBIC), lossless=True)
    save("lossy.webp", chelsea.resize((160, 107), Image.BICUBIC), quality=85)
    text = shared("skimage/text.png").convert("L").resize((224, 86), Image.BICUBIC)
    save("bilevel-1bit.png", text.point(lambda v: 255 if v > 128 else 0).convert("1"), optimize=True)
    save("palette-4bit.png", chelsea.resize((150, 100), Image.BICUBIC).quantize(colors=16), bits=4)
    photo = chelsea.crop((100, 40, 340, 220)).resize((160, 120), Image.BICUBIC)
    save("progressive.jpg", photo, quality=85, progressive=True)
    save("jpeg-444.jpg", photo, quality=85, subsampling=0)
    save("jpeg-422.jpg", photo, quality=85, subsampling=1)
    for name, transparency in (("gif-offset-frame.gif", None), ("gif-offset-frame-transparent.gif", 3)):
        gif_with_offset_frame(DERIVED / name, transparency)
        made[name] = DERIVED / name
    save("tiny-9x5.png", Image.fromarray(rng.integers(0, 256, (5, 9, 3)).astype(np.uint8), "RGB"))
    return made


# ---------------------------------------------------------------------------------------------- fixtures
SHARED_INPUTS = [
    "skimage/astronaut.png",            # RGB PNG with ICC profile
    "skimage/camera.png",               # greyscale PNG
    "skimage/horse.png",                # RGBA PNG
    "skimage/chelsea.png",
    "skimage/coffee.png",
    "skimage/text.png",                 # wide-ish greyscale 448x172
    "skimage/rocket.jpg",               # JPEG with ICC profile
    "skimage/hubble_deep_field.jpg",
    "skimage/retina.jpg",               # 1411x1411 strong downscale
    "coco-mini/images/val2017/000000431848.jpg",  # greyscale JPEG
    "coco-mini/images/val2017/000000161044.jpg",  # wide 640x229
    "coco-mini/images/train2017/000000159269.jpg",  # tall 427x640
    "coco-mini/images/val2017/000000397133.jpg",  # COCO licence 4 (CC BY 2.0): derived copies allowed
]

EXTRA_CONFIGS = [
    # (fixture name, input, shortest_edge, crop, resample): crop larger than the resize -> zero padding; bilinear
    ("pad-crop-chelsea", "shared:skimage/chelsea.png", 200, 224, Image.BICUBIC),
    ("bilinear-coffee", "shared:skimage/coffee.png", 224, 224, Image.BILINEAR),
]


# Documented exceptions to the parity bound (mean 0.01 / max 0.1): lossy WebP is decoded by TwelveMonkeys' own VP8
# decoder, whose YUV->RGB reconstruction differs slightly from libwebp's (Pillow); lossless WebP is exact.
TOLERANCES = {"images_lossy_webp": {"maxMeanAbs": 0.03, "maxAbs": 0.3,
                                    "reason": "TwelveMonkeys VP8 decoder differs from libwebp by a few levels"}}


def resolve(ref):
    kind, rel = ref.split(":", 1)
    return (SHARED / rel) if kind == "shared" else (REPO / "fixtures" / rel)


def fixture_name(ref):
    return ref.split(":", 1)[1].replace("/", "_").rsplit(".", 1)[0] + "_" + ref.rsplit(".", 1)[1]


def main():
    made = make_derived()
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.png"):
        old.unlink()
    jobs = [(fixture_name("shared:" + r), "shared:" + r, 224, 224, Image.BICUBIC) for r in SHARED_INPUTS]
    # exif-orientation-2/-3 are used by ImageDecoderTest only (6 and 8 cover exif_transpose parity here)
    parity = [n for n in sorted(made) if n not in ("exif-orientation-2.jpg", "exif-orientation-3.jpg")]
    jobs += [(fixture_name("fixtures:images/" + n), "fixtures:images/" + n, 224, 224, Image.BICUBIC) for n in parity]
    jobs += EXTRA_CONFIGS
    index = []
    for name, ref, se, crop, resample in jobs:
        (w, h), u8, chw = clip_preprocess(resolve(ref), se, crop, resample)
        Image.fromarray(u8, "RGB").save(OUT / (name + ".png"), optimize=True)
        flat = chw.reshape(-1)
        idx = [0, 1, 777, 224 * 224 - 1, 224 * 224, 2 * 224 * 224 + 4321, flat.size - 1]
        index.append({
            "name": name, "input": ref, "sourceWidth": w, "sourceHeight": h,
            "shortestEdge": se, "crop": crop, "resample": int(resample),
            "sum": float(flat.astype(np.float64).sum()), "sumSquares": float((flat.astype(np.float64) ** 2).sum()),
            "samples": {str(i): float(flat[i]) for i in idx},
            **({"tolerance": TOLERANCES[name]} if name in TOLERANCES else {}),
        })
        print(f"{name}: {w}x{h} -> {u8.shape[1]}x{u8.shape[0]}")
    (OUT / "index.json").write_text(json.dumps({"mean": CLIP_MEAN, "std": CLIP_STD, "fixtures": index}, indent=1) + "\n")
    total = sum(p.stat().st_size for p in OUT.iterdir()) + sum(p.stat().st_size for p in DERIVED.iterdir())
    print(f"{len(index)} fixtures, {total / 1e6:.2f} MB committed")


if __name__ == "__main__":
    main()
