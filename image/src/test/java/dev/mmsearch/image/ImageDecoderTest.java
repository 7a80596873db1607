package dev.mmsearch.image;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ImageDecoderTest {

    private static byte[] fixture(String name) throws IOException {
        return Files.readAllBytes(TestPaths.fixtures().resolve("images").resolve(name));
    }

    private static byte[] shared(String rel) throws IOException {
        return Files.readAllBytes(TestPaths.sharedData().resolve(rel));
    }

    private static void assertError(byte[] bytes, ImageLimits limits, ErrorCode code, String... fragments) {
        assertThatThrownBy(() -> ImageDecoder.decode(bytes, limits))
                .isInstanceOf(MmsearchException.class)
                .satisfies(e -> assertThat(((MmsearchException) e).code()).isEqualTo(code))
                .message().contains(fragments);
    }

    @Test
    void greyscalePngIsReplicatedToThreeEqualChannels() throws IOException {
        DecodedImage image = ImageDecoder.decode(shared("skimage/camera.png"));
        assertThat(image.width()).isEqualTo(512);
        assertThat(image.sourceFormat()).isEqualTo("png");
        byte[] rgb = image.rgb();
        BufferedImage gray = ImageIO.read(TestPaths.sharedData().resolve("skimage/camera.png").toFile());
        Raster raster = gray.getRaster();
        for (int i = 0; i < rgb.length; i += 3 * 97) {
            int p = i / 3;
            int expected = raster.getSample(p % 512, p / 512, 0);
            assertThat(new int[] {rgb[i] & 0xff, rgb[i + 1] & 0xff, rgb[i + 2] & 0xff})
                    .containsExactly(expected, expected, expected);
        }
    }

    @Test
    void rgbaDropsAlphaInsteadOfCompositing() throws IOException {
        byte[] png = fixture("rgba-transparent.png");
        BufferedImage rgba = ImageIO.read(new java.io.ByteArrayInputStream(png));
        Raster raster = rgba.getRaster();
        assertThat(raster.getNumBands()).isEqualTo(4);
        DecodedImage image = ImageDecoder.decode(png);
        int checked = 0;
        for (int y = 0; y < image.height(); y += 7) {
            for (int x = 0; x < 80; x += 5) { // fully transparent area with random colours underneath
                assertThat(raster.getSample(x, y, 3)).isZero();
                int expected = raster.getSample(x, y, 0) << 16 | raster.getSample(x, y, 1) << 8 | raster.getSample(x, y, 2);
                assertThat(image.rgbAt(x, y)).isEqualTo(expected);
                checked++;
            }
        }
        assertThat(checked).isGreaterThan(100);
    }

    @Test
    void exifOrientationIsApplied() throws IOException {
        // All four files store the same 200x133 pixels; only the EXIF orientation differs.
        DecodedImage mirrored = ImageDecoder.decode(fixture("exif-orientation-2.jpg"));
        DecodedImage rotated180 = ImageDecoder.decode(fixture("exif-orientation-3.jpg"));
        DecodedImage cw = ImageDecoder.decode(fixture("exif-orientation-6.jpg"));
        DecodedImage ccw = ImageDecoder.decode(fixture("exif-orientation-8.jpg"));
        assertThat(ImageDecoder.exifOrientation(fixture("exif-orientation-6.jpg"))).isEqualTo(6);
        assertThat(ImageDecoder.exifOrientation(shared("skimage/rocket.jpg"))).isEqualTo(1);
        assertThat(new int[] {mirrored.width(), mirrored.height()}).containsExactly(200, 133);
        assertThat(new int[] {cw.width(), cw.height()}).containsExactly(133, 200);
        assertThat(new int[] {ccw.width(), ccw.height()}).containsExactly(133, 200);
        for (int y = 0; y < 133; y += 11) {
            for (int x = 0; x < 200; x += 13) {
                int stored = mirrored.rgbAt(199 - x, y);
                assertThat(rotated180.rgbAt(199 - x, 132 - y)).isEqualTo(stored);
                assertThat(cw.rgbAt(132 - y, x)).isEqualTo(stored);      // rotated 90 degrees clockwise
                assertThat(ccw.rgbAt(y, 199 - x)).isEqualTo(stored);     // rotated 90 degrees counter-clockwise
            }
        }
    }

    @Test
    void decodesEveryAcceptedFormat() throws IOException {
        for (String name : new String[] {"animated.gif", "rgb24.bmp", "lossless.webp", "lossy.webp", "palette.png",
                "rgb16.png", "gray16.png", "gray-alpha-la.png", "cmyk.jpg", "tiny-9x5.png"}) {
            DecodedImage image = ImageDecoder.decode(fixture(name));
            assertThat(image.rgb()).as(name).hasSize(3 * image.width() * image.height());
        }
        assertThat(ImageDecoder.decode(fixture("lossless.webp")).sourceFormat()).isEqualTo("webp");
        assertThat(ImageDecoder.decode(fixture("animated.gif")).sourceFormat()).isEqualTo("gif");
    }

    @Test
    void decodedImageIsImmutable() throws IOException {
        DecodedImage image = ImageDecoder.decode(fixture("tiny-9x5.png"));
        byte[] copy = image.rgb();
        int before = image.rgbAt(0, 0);
        copy[0] = (byte) ~copy[0];
        assertThat(image.rgbAt(0, 0)).isEqualTo(before);
        byte[] source = new byte[] {1, 2, 3};
        DecodedImage raw = DecodedImage.ofRgb(1, 1, source);
        source[0] = 9;
        assertThat(raw.rgbAt(0, 0)).isEqualTo(0x010203);
        assertThatThrownBy(() -> DecodedImage.ofRgb(2, 1, source)).isInstanceOf(MmsearchException.class);
        BufferedImage gray = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_GRAY);
        gray.getRaster().setSample(1, 0, 0, 77);
        DecodedImage fromGray = DecodedImage.fromBufferedImage(gray);
        assertThat(fromGray.rgbAt(1, 0)).as("raw grey level replicated, no gamma conversion").isEqualTo(0x4D4D4D);
    }

    // ------------------------------------------------------------------------------------------------ bad input

    @Test
    void emptyInputIsUnsupported() {
        assertError(new byte[0], ImageLimits.DEFAULTS, ErrorCode.UNSUPPORTED_MEDIA_TYPE, "empty");
        assertError(null, ImageLimits.DEFAULTS, ErrorCode.UNSUPPORTED_MEDIA_TYPE, "empty");
    }

    @Test
    void randomBytesAreUnsupported() {
        Random random = new Random(42);
        for (int size : new int[] {1, 7, 100, 10_000}) {
            byte[] bytes = new byte[size];
            random.nextBytes(bytes);
            assertError(bytes, ImageLimits.DEFAULTS, ErrorCode.UNSUPPORTED_MEDIA_TYPE, "not a recognised image");
        }
    }

    @Test
    void svgTextAndTiffAreUnsupported() throws IOException {
        byte[] svg = "<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"><rect width=\"10\" height=\"10\"/></svg>"
                .getBytes(StandardCharsets.UTF_8);
        assertError(svg, ImageLimits.DEFAULTS, ErrorCode.UNSUPPORTED_MEDIA_TYPE, "not a recognised image", "SVG");
        assertError("hello, this is a text file\n".getBytes(StandardCharsets.UTF_8), ImageLimits.DEFAULTS,
                ErrorCode.UNSUPPORTED_MEDIA_TYPE, "not a recognised image");
        ByteArrayOutputStream tiff = new ByteArrayOutputStream();
        assertThat(ImageIO.write(new BufferedImage(8, 8, BufferedImage.TYPE_3BYTE_BGR), "tiff", tiff)).isTrue();
        assertError(tiff.toByteArray(), ImageLimits.DEFAULTS, ErrorCode.UNSUPPORTED_MEDIA_TYPE, "not a recognised image");
    }

    @Test
    void truncatedJpegIsUnsupported() throws IOException {
        byte[] jpeg = shared("coco-mini/images/val2017/000000000139.jpg");
        for (int keep : new int[] {jpeg.length / 2, jpeg.length - 100, 200, 20}) {
            assertError(Arrays.copyOf(jpeg, keep), ImageLimits.DEFAULTS, ErrorCode.UNSUPPORTED_MEDIA_TYPE, "jpeg");
        }
    }

    @Test
    void truncatedPngIsUnsupported() throws IOException {
        byte[] png = shared("skimage/astronaut.png");
        for (int keep : new int[] {png.length / 2, png.length - 1000, 40}) {
            assertError(Arrays.copyOf(png, keep), ImageLimits.DEFAULTS, ErrorCode.UNSUPPORTED_MEDIA_TYPE, "png");
        }
        // Only the IEND chunk and the zlib checksum missing: every pixel is present, Pillow loads it too.
        assertThat(ImageDecoder.decode(Arrays.copyOf(png, png.length - 20)).width()).isEqualTo(512);
    }

    @Test
    void corruptPngDataIsUnsupported() throws IOException {
        byte[] png = shared("skimage/astronaut.png").clone();
        for (int i = png.length / 3; i < png.length / 3 + 2000; i++) {
            png[i] = (byte) (png[i] ^ 0x5a);
        }
        assertError(png, ImageLimits.DEFAULTS, ErrorCode.UNSUPPORTED_MEDIA_TYPE, "png");
    }

    @Test
    void overMaxBytesIsPayloadTooLarge() throws IOException {
        byte[] png = shared("skimage/astronaut.png");
        assertError(png, new ImageLimits(png.length - 1, ImageLimits.DEFAULT_MAX_PIXELS), ErrorCode.PAYLOAD_TOO_LARGE,
                String.valueOf(png.length), "bytes");
        assertThat(ImageDecoder.decode(png, new ImageLimits(png.length, 512 * 512)).width()).isEqualTo(512);
    }

    @Test
    void overMaxPixelsIsPayloadTooLarge() throws IOException {
        byte[] png = shared("skimage/astronaut.png");
        assertError(png, new ImageLimits(ImageLimits.DEFAULT_MAX_BYTES, 512 * 512 - 1), ErrorCode.PAYLOAD_TOO_LARGE,
                "512x512");
    }

    @Test
    void pngBombIsRefusedFromItsHeaderWithoutDecodingPixels() {
        byte[] bomb = pngHeaderClaiming(60_000, 60_000);
        assertThat(bomb.length).isLessThan(2_000);
        long allocatedBefore = allocatedBytes();
        assertError(bomb, ImageLimits.DEFAULTS, ErrorCode.PAYLOAD_TOO_LARGE, "60000x60000", "3600000000 pixels");
        long allocated = allocatedBytes() - allocatedBefore;
        // decoding 3.6 gigapixels would need > 10 GB; reading the header needs a few MB at most
        assertThat(allocated).as("bytes allocated while refusing the bomb").isLessThan(64L * 1024 * 1024);
    }

    @Test
    void jpegBombIsRefusedFromItsHeader() {
        // SOI, SOF0 declaring 65000x65000 with 3 components, then nothing
        ByteBuffer b = ByteBuffer.allocate(2 + 19 + 2);
        b.put((byte) 0xFF).put((byte) 0xD8);
        b.put((byte) 0xFF).put((byte) 0xC0).putShort((short) 17).put((byte) 8).putShort((short) 65000).putShort((short) 65000)
                .put((byte) 3);
        for (int c = 1; c <= 3; c++) {
            b.put((byte) c).put((byte) 0x11).put((byte) 0);
        }
        b.put((byte) 0xFF).put((byte) 0xD9);
        assertError(b.array(), ImageLimits.DEFAULTS, ErrorCode.PAYLOAD_TOO_LARGE, "65000x65000");
    }

    @Test
    void gifFrameIsPlacedOnItsLogicalScreenAndTheScreenIsLimited() throws IOException {
        byte[] gif = fixture("gif-offset-frame.gif");
        DecodedImage image = ImageDecoder.decode(gif);
        assertThat(new int[] {image.width(), image.height()}).containsExactly(60, 40);
        assertThat(image.rgbAt(0, 0)).as("canvas outside the frame: palette index 0").isEqualTo(0x000000);
        assertThat(image.rgbAt(10, 12)).isNotEqualTo(0x000000);
        byte[] bomb = gif.clone();
        bomb[6] = (byte) 0xFF;
        bomb[7] = (byte) 0xFF;
        bomb[8] = (byte) 0xFF;
        bomb[9] = (byte) 0xFF;
        assertError(bomb, ImageLimits.DEFAULTS, ErrorCode.PAYLOAD_TOO_LARGE, "65535x65535");
    }

    @Test
    void pngHeaderWithoutPixelDataIsUnsupported() {
        byte[] png = pngHeaderClaiming(4, 4);
        assertError(Arrays.copyOf(png, 33), ImageLimits.DEFAULTS, ErrorCode.UNSUPPORTED_MEDIA_TYPE, "png");
    }

    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    /** A tiny valid-looking RGB PNG whose IHDR declares {@code width x height}, with one compressed zero row. */
    static byte[] pngHeaderClaiming(int width, int height) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(width).putInt(height).put((byte) 8).put((byte) 2)
                .put((byte) 0).put((byte) 0).put((byte) 0);
        chunk(out, "IHDR", ihdr.array());
        Deflater deflater = new Deflater(9);
        deflater.setInput(new byte[1 + 3 * Math.min(width, 1000)]);
        deflater.finish();
        byte[] buffer = new byte[1000];
        int n = deflater.deflate(buffer);
        chunk(out, "IDAT", Arrays.copyOf(buffer, n));
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        out.writeBytes(typeBytes);
        out.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(typeBytes);
        crc.update(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }
}
