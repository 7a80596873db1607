package dev.mmsearch.bench;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MillionBenchTest {

    @Test
    void badOptionsAreRefusedWithWhatToDo() {
        assertThatThrownBy(() -> MillionBench.Options.parse(new String[] {"--n", "5"}))
                .hasMessageContaining("--export DIR is required");
        assertThatThrownBy(() -> MillionBench.Options.parse(new String[] {"--export", "x", "--stores",
                "embedded,opensearch-2", "--vector-encoding", "int8"})).hasMessageContaining("float32 vectors only");
        assertThatThrownBy(() -> MillionBench.Options.parse(new String[] {"--export", "x", "--stores", "lance"}))
                .hasMessageContaining("unknown store 'lance'");
        assertThatThrownBy(() -> MillionBench.Options.parse(new String[] {"--export", "x", "--xmx", "lots"}))
                .hasMessageContaining("--xmx");
        assertThatThrownBy(() -> MillionBench.Options.parse(new String[] {"--export", "x", "--phases", "import,fly"}))
                .hasMessageContaining("unknown phase");
        assertThatThrownBy(() -> MillionBench.Options.parse(new String[] {"--export", "x", "--sconds", "3"}))
                .hasMessageContaining("unknown option --sconds");
        assertThatThrownBy(() -> MillionBench.Options.parse(new String[] {"--export"}))
                .hasMessageContaining("pairs");
        assertThatThrownBy(() -> MillionBench.Options.parse(new String[] {"--export", "x", "--vector-encoding",
                "int3"})).hasMessageContaining("int3");
        assertThatThrownBy(() -> MillionBench.Options.parse(new String[] {"--export", "x", "--topk", "0"}))
                .hasMessageContaining("--topk");
    }

    @Test
    void defaults() {
        MillionBench.Options o = MillionBench.Options.parse(new String[] {"--export", "x"});
        assertThat(o.stores()).containsExactly("embedded");
        assertThat(o.encoding()).isNull(); // the export's
        assertThat(o.xmx()).isEqualTo("1g");
        assertThat(o.levels()).containsExactly(8, 32);
        assertThat(o.recallSample()).isEqualTo(1000);
        assertThat(o.topK()).isEqualTo(10);
        assertThat(o.phases()).containsExactlyInAnyOrder("import", "serve", "recall", "thin");
        assertThat(o.keepData()).isFalse();
        assertThat(o.thinWarmup()).isEqualTo(1000);
    }

    @Test
    void topKKeepsTheBestFirstAndEqualScoresInArrivalOrder() {
        MillionExact.TopK top = new MillionExact.TopK(3);
        top.offer(0.1f, "a");
        top.offer(0.5f, "b");
        top.offer(0.3f, "c");
        top.offer(0.5f, "d");
        top.offer(0.2f, "e");
        assertThat(top.ids()).containsExactly("b", "d", "c");
        MillionExact.TopK few = new MillionExact.TopK(10);
        few.offer(1f, "x");
        assertThat(few.ids()).containsExactly("x");
    }

    @Test
    void recallBucketsAndFormatting() {
        assertThat(MillionExact.overlap(List.of("a", "b", "c", "d"), List.of("d", "x", "a"))).isEqualTo(0.5);
        assertThat(MillionExact.overlap(List.of(), List.of("a"))).isEqualTo(1.0);
        assertThat(MillionExact.bucketIndex("b07")).isEqualTo(7);
        assertThat(MillionExact.bucketIndex("b7")).isEqualTo(-1);
        assertThat(MillionExact.bucketFilter(107)).isEqualTo(Map.of("term", Map.of("bucket", "b07")));
        assertThat(MillionBench.cycle(List.of("p", "q"), 3)).containsExactly("p", "q", "p");
        assertThat(MillionResults.format(3.0)).isEqualTo("3");
        assertThat(MillionResults.format(0.12345)).isEqualTo("0.123");
    }

    @Test
    void figuresMeasuredAgainReplaceTheEarlierOnesAndTheCsvReadsBack(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        List<MillionBench.Row> earlier = List.of(new MillionBench.Row("embedded", "FLOAT32", "import_seconds", 10, "s"),
                new MillionBench.Row("embedded", "FLOAT32", "hybrid_qps_c8", 50, "QPS (closed loop, 8 clients)"));
        List<MillionBench.Row> now = List.of(new MillionBench.Row("embedded", "FLOAT32", "hybrid_qps_c8", 60,
                "QPS (closed loop, 8 clients)"), new MillionBench.Row("opensearch-2", "FLOAT32", "hybrid_qps_c8", 30,
                "QPS \"quoted\", too"));
        List<MillionBench.Row> merged = MillionResults.merge(earlier, now);
        assertThat(merged).extracting(MillionBench.Row::value).containsExactly(10.0, 60.0, 30.0);
        java.nio.file.Path csv = dir.resolve("million.csv");
        java.nio.file.Files.write(csv, java.util.stream.Stream.concat(java.util.stream.Stream.of("store,encoding,figure,value,unit"),
                merged.stream().map(MillionBench.Row::csv)).toList());
        assertThat(MillionResults.readCsv(csv)).isEqualTo(merged);
        String table = MillionResults.table(merged);
        assertThat(table).contains("| figure | unit | embedded FLOAT32 | opensearch-2 FLOAT32 | opensearch-2 / embedded FLOAT32 |",
                "| hybrid_qps_c8 | QPS (closed loop, 8 clients) | 60 | 30 | 0.500 |", "| import_seconds | s | 10 | - | - |");
    }

    @Test
    void theChildServerRatioIsDerivedFromWhicheverRunsMeasuredItsSides() {
        List<MillionBench.Row> serve = List.of(new MillionBench.Row("embedded", "INT8", "hybrid_plain_server_p50_ms", 6,
                "ms"));
        List<MillionBench.Row> thin = List.of(new MillionBench.Row("embedded", "INT8", "raw_encode_p50_ms", 3, "ms"),
                new MillionBench.Row("embedded", "INT8", "raw_knn_p50_ms", 0.5, "ms"),
                new MillionBench.Row("embedded", "INT8", "raw_bm25_p50_ms", 0.5, "ms"));
        List<MillionBench.Row> merged = MillionResults.merge(serve, thin);
        assertThat(merged).filteredOn(r -> r.figure().equals("thin_ratio_child_server"))
                .extracting(MillionBench.Row::value).containsExactly(1.5);
        assertThat(MillionResults.merge(serve, List.of())).noneMatch(r -> r.figure().equals("thin_ratio_child_server"));
    }
}
