package dev.mmsearch.image;

import dev.mmsearch.core.MmsearchException;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ThumbnailerTest {

    @Test
    void thumbnailKeepsAspectAndColours() throws IOException {
        DecodedImage wide = ImageDecoder.decode(Files.readAllBytes(
                TestPaths.fixtures().resolve("images").resolve("wide-1200x150.jpg")));
        byte[] jpeg = Thumbnailer.jpegThumbnail(wide, 256);
        assertThat(jpeg[0] & 0xff).isEqualTo(0xFF);
        assertThat(jpeg[1] & 0xff).isEqualTo(0xD8);
        DecodedImage thumb = ImageDecoder.decode(jpeg);
        assertThat(thumb.sourceFormat()).isEqualTo("jpeg");
        assertThat(thumb.width()).isEqualTo(256);
        assertThat(thumb.height()).isEqualTo(32);
        double[] a = meanColour(wide);
        double[] b = meanColour(thumb);
        for (int c = 0; c < 3; c++) {
            assertThat(b[c]).as("mean of channel %d", c).isCloseTo(a[c], org.assertj.core.data.Offset.offset(3.0));
        }
        assertThat(jpeg.length).isLessThan(20_000);
    }

    @Test
    void smallImagesAreNotUpscaled() {
        DecodedImage tiny = DecodedImage.ofRgb(2, 3, new byte[18]);
        assertThat(Thumbnailer.scaleToFit(tiny, 256)).isSameAs(tiny);
        DecodedImage thumb = ImageDecoder.decode(Thumbnailer.jpegThumbnail(tiny, 256));
        assertThat(new int[] {thumb.width(), thumb.height()}).containsExactly(2, 3);
    }

    @Test
    void rejectsNonPositiveEdge() {
        assertThatThrownBy(() -> Thumbnailer.jpegThumbnail(DecodedImage.ofRgb(1, 1, new byte[3]), 0))
                .isInstanceOf(MmsearchException.class);
    }

    private static double[] meanColour(DecodedImage image) {
        byte[] rgb = image.rgb();
        double[] sum = new double[3];
        for (int i = 0; i < rgb.length; i++) {
            sum[i % 3] += rgb[i] & 0xff;
        }
        int n = image.width() * image.height();
        return new double[] {sum[0] / n, sum[1] / n, sum[2] / n};
    }
}
