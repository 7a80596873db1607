package dev.mmsearch.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import dev.mmsearch.bench.MillionBench.Row;

/** {@link MillionBench}'s figures: the summary table, merging runs into one CSV, and the targets. */
final class MillionResults {

    /**
     * Every figure, one row each, one column per store and encoding (in the order first measured), and
     * opensearch-2 / embedded for each encoding both were measured with.
     */
    static String table(List<Row> rows) {
        List<String> columns = rows.stream().map(MillionResults::column).distinct().toList();
        List<String> ratios = columns.stream().filter(c -> c.startsWith("embedded "))
                .map(c -> c.substring("embedded ".length()))
                .filter(e -> columns.contains("opensearch-2 " + e)).toList();
        Map<String, Map<String, Double>> byFigure = new LinkedHashMap<>();
        Map<String, String> units = new LinkedHashMap<>();
        for (Row r : rows) {
            byFigure.computeIfAbsent(r.figure(), f -> new LinkedHashMap<>()).put(column(r), r.value());
            units.putIfAbsent(r.figure(), r.unit());
        }
        StringBuilder md = new StringBuilder("| figure | unit |");
        columns.forEach(c -> md.append(' ').append(c).append(" |"));
        ratios.forEach(e -> md.append(" opensearch-2 / embedded ").append(e).append(" |"));
        md.append("\n|---|---|").append("---|".repeat(columns.size() + ratios.size())).append('\n');
        byFigure.forEach((figure, values) -> {
            md.append("| ").append(figure).append(" | ").append(units.get(figure)).append(" |");
            columns.forEach(c -> md.append(' ').append(values.containsKey(c) ? format(values.get(c)) : "-")
                    .append(" |"));
            for (String e : ratios) {
                Double em = values.get("embedded " + e);
                Double os = values.get("opensearch-2 " + e);
                md.append(em != null && os != null && em != 0 && !figure.startsWith("page_cache")
                        ? String.format(Locale.ROOT, " %.3f |", os / em) : " - |");
            }
            md.append('\n');
        });
        return md.append('\n').toString();
    }

    static String column(Row r) {
        return r.store() + " " + r.encoding();
    }

    /**
     * {@code earlier} with the figures {@code now} measured again replaced, then {@code now}'s new ones; and
     * {@code thin_ratio_child_server} (re)derived from the merged figures, whichever runs measured its two sides.
     */
    static List<Row> merge(List<Row> earlier, List<Row> now) {
        Map<String, Row> byKey = new LinkedHashMap<>();
        earlier.forEach(r -> byKey.put(column(r) + " " + r.figure(), r));
        now.forEach(r -> byKey.put(column(r) + " " + r.figure(), r));
        for (Row child : List.copyOf(byKey.values())) {
            if (!child.figure().equals("hybrid_plain_server_p50_ms")) {
                continue;
            }
            String key = column(child) + " ";
            Row encode = byKey.get(key + "raw_encode_p50_ms");
            Row knn = byKey.get(key + "raw_knn_p50_ms");
            Row bm25 = byKey.get(key + "raw_bm25_p50_ms");
            if (encode != null && knn != null && bm25 != null) {
                byKey.put(key + "thin_ratio_child_server", new Row(child.store(), child.encoding(),
                        "thin_ratio_child_server", child.value() / (encode.value() + knn.value() + bm25.value()),
                        "child server hybrid (summary plain) server p50 / in-process raw parts p50"));
            }
        }
        return List.copyOf(byKey.values());
    }

    static List<Row> readCsv(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        List<Row> rows = new ArrayList<>();
        for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
            String[] c = line.split(",", 5);
            if (c.length < 5) {
                throw new IllegalArgumentException(file + ": not a million.csv row: " + line);
            }
            String unit = c[4].startsWith("\"") ? c[4].substring(1, c[4].length() - 1).replace("\"\"", "\"") : c[4];
            rows.add(new Row(c[0], c[1], c[2], Double.parseDouble(c[3]), unit));
        }
        return rows;
    }

    /** Issue 18's targets that the figures decide, per embedded encoding, each with its verdict. */
    static String acceptance(List<Row> rows) {
        StringBuilder md = new StringBuilder("## Issue 18 targets\n\n");
        for (String encoding : rows.stream().filter(r -> r.store().equals("embedded")).map(Row::encoding).distinct()
                .toList()) {
            Map<String, Double> e = new LinkedHashMap<>();
            rows.stream().filter(r -> r.store().equals("embedded") && r.encoding().equals(encoding))
                    .forEach(r -> e.put(r.figure(), r.value()));
            md.append("embedded ").append(encoding).append(":\n\n");
            check(md, "hybrid server p50 / raw encode+kNN+BM25 p50 <= 1.3 (in process)", e.get("thin_ratio"),
                    v -> v <= 1.3);
            check(md, "the same with the child server's hybrid (summary plain) server p50",
                    e.get("thin_ratio_child_server"), v -> v <= 1.3);
            check(md, "recall@10 (dense vs exact) >= 0.95", e.get("recall_at_10"), v -> v >= 0.95);
            check(md, "filtered 1% recall@10 >= 0.95", e.get("recall_at_10_filtered1"), v -> v >= 0.95);
            check(md, "filtered 1%, dense: queries with < topK hits = 0", e.get("recall_filtered1_short_answers"),
                    v -> v == 0);
            check(md, "filtered 1%, hybrid: queries with < topK hits = 0", e.get("filtered1_short_answers"),
                    v -> v == 0);
            check(md, "peak RSS <= 2.5 GB (2560 MB) serving with -Xmx1g (the issue's target is for INT8)",
                    e.get("server_rss_peak_mb_end"), v -> v <= 2560);
            Double os = rows.stream().filter(r -> r.store().equals("opensearch-2") && r.encoding().equals(encoding)
                    && r.figure().equals("import_docs_per_s")).map(Row::value).findFirst().orElse(null);
            if (os != null && e.containsKey("import_docs_per_s")) {
                md.append(String.format(Locale.ROOT, "- import throughput embedded / opensearch-2: %.2f%n",
                        e.get("import_docs_per_s") / os));
            }
            md.append('\n');
        }
        return md.toString();
    }

    static void check(StringBuilder md, String what, Double value, java.util.function.DoublePredicate ok) {
        md.append("- ").append(what).append(": ").append(value == null ? "not measured (phase not run)"
                : format(value) + (ok.test(value) ? " (met)" : " (**missed**)")).append('\n');
    }

    static String format(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v)
                : String.format(Locale.ROOT, "%.3f", v);
    }

    private MillionResults() {
    }
}
