package dev.mmsearch.ingest;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class LengthSortedBatchesTest {

    @Test
    void everyItemLandsInExactlyOneBatchAndOnlyTheLastBatchIsPartial() {
        List<String> items = randomTexts(70, 1);
        List<List<String>> batches = Indexer.lengthSortedBatches(items, String::length, 32);
        assertThat(batches).extracting(List::size).containsExactly(32, 32, 6);
        List<String> flattened = batches.stream().flatMap(List::stream).toList();
        assertThat(flattened).containsExactlyInAnyOrderElementsOf(items);
    }

    @Test
    void batchesHoldSimilarLengthsSoPaddingDrops() {
        List<String> items = randomTexts(256, 7);
        // padding cost = sum over batches of (longest in batch x batch size)
        long unsorted = paddedCost(chunks(items, 32));
        long sorted = paddedCost(Indexer.lengthSortedBatches(items, String::length, 32));
        long actual = items.stream().mapToLong(String::length).sum();
        assertThat(sorted).isLessThan(unsorted);
        // lengths uniform in [1, 2000]: unsorted batches pad nearly every text to ~2000, sorted ones barely pad
        assertThat((double) sorted / actual).isLessThan(1.15);
        assertThat((double) unsorted / actual).isGreaterThan(1.6);
    }

    @Test
    void emptyInputGivesNoBatches() {
        assertThat(Indexer.lengthSortedBatches(List.<String>of(), String::length, 8)).isEmpty();
    }

    private static long paddedCost(List<List<String>> batches) {
        return batches.stream().mapToLong(b -> (long) b.size() * b.stream().mapToInt(String::length).max().orElse(0)).sum();
    }

    private static List<List<String>> chunks(List<String> items, int size) {
        List<List<String>> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i += size) {
            out.add(items.subList(i, Math.min(items.size(), i + size)));
        }
        return out;
    }

    private static List<String> randomTexts(int n, long seed) {
        Random random = new Random(seed);
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            texts.add(i + "-" + "x".repeat(1 + random.nextInt(2000)));
        }
        return texts;
    }
}
