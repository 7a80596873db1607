package dev.mmsearch.inference.clip;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mmsearch.inference.clip.ClipFixtures.EvalImage;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * End to end with the tiny CLIP on its held-out images (eval/, never trained on; 6 per
 * shape x colour class, 240 in all): text queries such as "a red circle" find that class, and
 * images find images of their own class. Exact search over the normalised vectors.
 */
class ClipRetrievalTest {

    private static final Logger LOG = LoggerFactory.getLogger(ClipRetrievalTest.class);

    private static ClipModel model;
    private static List<EvalImage> images;
    private static float[][] imageVectors;

    @BeforeAll
    static void encode() {
        model = ClipModel.open(ClipFixtures.tinyClip(), ClipFixtures.OPTIONS);
        images = ClipFixtures.evalImages();
        imageVectors = model.imageEncoder().encodeImages(images.stream().map(EvalImage::bytes).toList());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static List<Integer> top(float[] query, int k, int exclude) {
        return IntStream.range(0, imageVectors.length).filter(i -> i != exclude).boxed()
                .sorted(Comparator.comparingDouble((Integer i) -> -ClipFixtures.dot(query, imageVectors[i])))
                .limit(k).toList();
    }

    @Test
    void heldOutSetIsLargeAndBalanced() {
        assertThat(images).hasSizeGreaterThanOrEqualTo(200);
        Set<String> classes = new LinkedHashSet<>();
        images.forEach(i -> classes.add(i.label()));
        assertThat(classes).hasSize(40);
        for (String label : classes) {
            assertThat(images.stream().filter(i -> i.label().equals(label)).count()).as(label).isGreaterThanOrEqualTo(5);
        }
    }

    @Test
    void textQueriesFindTheirShapeAndColour() {
        Set<String> classes = new LinkedHashSet<>();
        images.forEach(i -> classes.add(i.label()));
        List<String> labels = new ArrayList<>(classes);
        float[][] queries = model.textEncoder().encodeQueries(labels.stream().map(l -> "a " + l).toList());
        double sum = 0;
        double worst = 1;
        String worstLabel = "";
        for (int q = 0; q < labels.size(); q++) {
            String label = labels.get(q);
            long hits = top(queries[q], 5, -1).stream().filter(i -> images.get(i).label().equals(label)).count();
            double precision = hits / 5.0;
            sum += precision;
            if (precision < worst) {
                worst = precision;
                worstLabel = label;
            }
        }
        double mean = sum / labels.size();
        LOG.info("tiny-clip text->image queries={} images={} meanP@5={} worstP@5={} ({})", labels.size(),
                images.size(), mean, worst, worstLabel);
        // Chance is 6/240 = 0.025. Measured when written: mean 1.0, worst 1.0 (same as PyTorch, train/last-run.json).
        assertThat(mean).isGreaterThanOrEqualTo(0.9);
        assertThat(worst).isGreaterThanOrEqualTo(0.6);
    }

    @Test
    void shapeOnlyQueryRanksThatShapeFirst() {
        // Never a training caption (they always name a colour): the shape word alone carries the query.
        float[] query = model.textEncoder().encodeQuery("a star");
        long stars = top(query, 10, -1).stream().filter(i -> images.get(i).shape().equals("star")).count();
        LOG.info("tiny-clip shape-only query star@10={}", stars);
        assertThat(stars).isGreaterThanOrEqualTo(7); // chance: 2 of 10
    }

    @Test
    void fullCaptionsFindTheirOwnImage() {
        // Caption -> image with each caption's own image as the one relevant item (the `eval` metric of issue 4).
        float[][] captions = model.textEncoder().encodeDocuments(images.stream().map(EvalImage::caption).toList());
        int hitsAt1 = 0;
        int hitsAt10 = 0;
        for (int i = 0; i < images.size(); i++) {
            List<Integer> ranked = top(captions[i], 10, -1);
            hitsAt1 += ranked.get(0) == i ? 1 : 0;
            hitsAt10 += ranked.contains(i) ? 1 : 0;
        }
        double recall1 = hitsAt1 / (double) images.size();
        double recall10 = hitsAt10 / (double) images.size();
        LOG.info("tiny-clip caption->image captions={} R@1={} R@10={}", images.size(), recall1, recall10);
        // Chance: R@1 = 1/240, R@10 = 10/240. Captions of one class differ only by size and background.
        // Measured when written: R@1 0.929, R@10 1.0.
        assertThat(recall10).isGreaterThanOrEqualTo(0.9);
        assertThat(recall1).isGreaterThanOrEqualTo(0.7);
    }

    @Test
    void imagesFindTheirOwnClass() {
        double sum = 0;
        for (int i = 0; i < images.size(); i++) {
            String label = images.get(i).label();
            sum += top(imageVectors[i], 5, i).stream().filter(j -> images.get(j).label().equals(label)).count() / 5.0;
        }
        double fraction = sum / images.size();
        LOG.info("tiny-clip image->image images={} sameClassFractionOfTop5={}", images.size(), fraction);
        // Chance is 5/239 = 0.02. Measured when written: 0.8225 (same as PyTorch); issue 4 asks for >= 0.8.
        assertThat(fraction).isGreaterThanOrEqualTo(0.8);
    }
}
