package dev.mmsearch.ingest;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A dataset in the BEIR layout: {@code corpus.jsonl} ({@code _id, title, text}), {@code queries.jsonl}
 * ({@code _id, text}) and {@code qrels/test.tsv} ({@code query-id corpus-id score}, with a header line).
 * The corpus is not loaded (it is streamed when indexed); queries and qrels are.
 *
 * @param name    the folder name, e.g. {@code scifact}
 * @param corpus  the corpus file
 * @param queries every query, id -> text
 * @param qrels   judgements, query id -> (doc id -> relevance)
 */
public record BeirDataset(String name, Path corpus, Map<String, String> queries, Map<String, Map<String, Integer>> qrels) {
    private static final Logger log = LoggerFactory.getLogger(BeirDataset.class);

    /** Top-level fields of BEIR files that documents do not keep (they may hold nested objects). */
    public static final Set<String> IGNORED_FIELDS = Set.of("metadata");

    public BeirDataset {
        queries = Collections.unmodifiableMap(new LinkedHashMap<>(queries));
        Map<String, Map<String, Integer>> copy = new TreeMap<>();
        qrels.forEach((q, docs) -> copy.put(q, Map.copyOf(docs)));
        qrels = Collections.unmodifiableMap(copy);
    }

    /**
     * Loads a BEIR folder.
     *
     * @param qrelsOverride a qrels file to use instead of {@code qrels/test.tsv}, or {@code null}
     * @throws MmsearchException NOT_FOUND when a file is missing, INVALID_INPUT when one is malformed
     */
    public static BeirDataset load(Path dir, Path qrelsOverride) {
        if (!Files.isDirectory(dir)) {
            throw new MmsearchException(ErrorCode.NOT_FOUND, "BEIR dataset folder '" + dir
                    + "' does not exist; it must hold corpus.jsonl, queries.jsonl and qrels/test.tsv");
        }
        Path corpus = dir.resolve("corpus.jsonl");
        if (!Files.exists(corpus) && Files.exists(dir.resolve("corpus.jsonl.gz"))) {
            corpus = dir.resolve("corpus.jsonl.gz");
        }
        Path queriesFile = dir.resolve("queries.jsonl");
        Path qrelsFile = qrelsOverride != null ? qrelsOverride : dir.resolve("qrels").resolve("test.tsv");
        for (Path required : List.of(corpus, queriesFile, qrelsFile)) {
            if (!Files.isRegularFile(required)) {
                throw new MmsearchException(ErrorCode.NOT_FOUND, "BEIR file '" + required + "' does not exist"
                        + (required == qrelsFile ? "; name another qrels file with --qrels" : ""));
            }
        }
        Path folderName = dir.toAbsolutePath().normalize().getFileName();
        return new BeirDataset(folderName == null ? "beir" : folderName.toString(), corpus, readQueries(queriesFile),
                readQrels(qrelsFile));
    }

    /** Ids of the queries that are evaluated: those with judgements that also have a text, sorted. */
    public List<String> evaluatedQueryIds() {
        List<String> ids = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (String id : qrels.keySet()) {
            (queries.containsKey(id) ? ids : missing).add(id);
        }
        if (!missing.isEmpty()) {
            log.warn("qrels name queries that queries.jsonl lacks dataset={} count={} first={}", name, missing.size(),
                    missing.subList(0, Math.min(5, missing.size())));
        }
        return List.copyOf(ids);
    }

    static Map<String, String> readQueries(Path file) {
        Map<String, String> queries = new LinkedHashMap<>();
        try (JsonlSource source = JsonlSource.open(file, IGNORED_FIELDS)) {
            while (source.hasNext()) {
                switch (source.next()) {
                    case SourceError error -> throw new MmsearchException(ErrorCode.INVALID_INPUT, error.message());
                    case SourceDocument doc -> queries.put(doc.document().id(), doc.document().text("text"));
                }
            }
        }
        return queries;
    }

    /** Reads {@code query-id corpus-id score} lines (tab or space separated; a non-numeric first line is a header). */
    static Map<String, Map<String, Integer>> readQrels(Path file) {
        Map<String, Map<String, Integer>> qrels = new TreeMap<>();
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            long number = 0;
            while ((line = reader.readLine()) != null) {
                number++;
                if (line.isBlank()) {
                    continue;
                }
                String[] parts = line.strip().split("\\s+");
                // BEIR: query-id, corpus-id, score; TREC: query-id, iteration, doc-id, relevance.
                if (parts.length != 3 && parts.length != 4) {
                    throw new MmsearchException(ErrorCode.INVALID_INPUT, file + ":" + number
                            + ": expected 'query-id<TAB>corpus-id<TAB>score', found " + parts.length + " columns");
                }
                String docId = parts.length == 3 ? parts[1] : parts[2];
                String score = parts[parts.length - 1];
                int relevance;
                try {
                    relevance = Integer.parseInt(score);
                } catch (NumberFormatException e) {
                    if (number == 1) {
                        continue; // header
                    }
                    throw new MmsearchException(ErrorCode.INVALID_INPUT, file + ":" + number
                            + ": score '" + score + "' is not an integer");
                }
                qrels.computeIfAbsent(parts[0], q -> new LinkedHashMap<>()).put(docId, relevance);
            }
        } catch (IOException e) {
            throw new MmsearchException(ErrorCode.INVALID_INPUT, "cannot read qrels '" + file + "': " + e.getMessage(), e);
        }
        if (qrels.isEmpty()) {
            throw new MmsearchException(ErrorCode.INVALID_INPUT, "qrels '" + file + "' hold no judgements");
        }
        return qrels;
    }
}
