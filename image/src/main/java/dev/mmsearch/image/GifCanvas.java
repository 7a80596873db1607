package dev.mmsearch.image;

import org.w3c.dom.Node;

import javax.imageio.ImageReader;
import javax.imageio.metadata.IIOMetadata;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.IOException;

/**
 * The first GIF frame placed on the logical screen the way Pillow 9 loads frame 0: a canvas of the logical screen
 * size filled with palette index 0 (or the frame's transparent index), the frame pasted at its offset, then the
 * palette expanded to RGB. Java's GIF reader returns only the frame rectangle, hence this small adapter.
 *
 * @param width             logical screen width
 * @param height            logical screen height
 * @param left              frame offset x
 * @param top               frame offset y
 * @param transparentIndex  palette index of the transparent colour, or -1
 */
record GifCanvas(int width, int height, int left, int top, int transparentIndex) {

    /** Reads the logical screen and frame 0 placement from the reader's metadata (no pixels are decoded). */
    static GifCanvas read(ImageReader reader) throws IOException {
        IIOMetadata stream = reader.getStreamMetadata();
        IIOMetadata image = reader.getImageMetadata(0);
        if (stream == null || image == null) {
            return null;
        }
        Node screen = child(stream.getAsTree("javax_imageio_gif_stream_1.0"), "LogicalScreenDescriptor");
        Node imageTree = image.getAsTree("javax_imageio_gif_image_1.0");
        Node descriptor = child(imageTree, "ImageDescriptor");
        if (screen == null || descriptor == null) {
            return null;
        }
        Node control = child(imageTree, "GraphicControlExtension");
        int transparent = control != null && "TRUE".equalsIgnoreCase(attr(control, "transparentColorFlag"))
                ? Integer.parseInt(attr(control, "transparentColorIndex")) : -1;
        return new GifCanvas(Integer.parseInt(attr(screen, "logicalScreenWidth")),
                Integer.parseInt(attr(screen, "logicalScreenHeight")),
                Integer.parseInt(attr(descriptor, "imageLeftPosition")),
                Integer.parseInt(attr(descriptor, "imageTopPosition")), transparent);
    }

    /** Interleaved RGB of the whole canvas with {@code frame} pasted at its offset (clipped to the canvas). */
    byte[] compose(BufferedImage frame) {
        byte[] frameRgb = ImageDecoder.toRgb(frame);
        int fw = frame.getWidth();
        int fh = frame.getHeight();
        byte[] out = new byte[width * height * 3];
        int fill = Math.max(transparentIndex, 0);
        if (frame.getColorModel() instanceof IndexColorModel icm && fill < icm.getMapSize()) {
            byte r = (byte) icm.getRed(fill);
            byte g = (byte) icm.getGreen(fill);
            byte b = (byte) icm.getBlue(fill);
            for (int i = 0; i < out.length; i += 3) {
                out[i] = r;
                out[i + 1] = g;
                out[i + 2] = b;
            }
        }
        for (int y = 0; y < fh; y++) {
            int cy = y + top;
            if (cy < 0 || cy >= height) {
                continue;
            }
            for (int x = 0; x < fw; x++) {
                int cx = x + left;
                if (cx < 0 || cx >= width) {
                    continue;
                }
                System.arraycopy(frameRgb, (y * fw + x) * 3, out, (cy * width + cx) * 3, 3);
            }
        }
        return out;
    }

    private static Node child(Node parent, String name) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (name.equals(n.getNodeName())) {
                return n;
            }
        }
        return null;
    }

    private static String attr(Node node, String name) {
        Node a = node.getAttributes().getNamedItem(name);
        return a == null ? "0" : a.getNodeValue();
    }
}
