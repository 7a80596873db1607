package dev.mmsearch.bench;

import dev.mmsearch.core.Json;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;

/**
 * A deterministic Q&A-like corpus of any size (a million documents for issue 18) built from SciFact's sentences and
 * claims: document {@code i} is a question (a claim, turned into one) and a short answer of two abstract sentences
 * (40 to 240 characters each, ~100 tokens a document: short, as a Q&A answer is, and cheap enough to embed a million
 * of on 2 cores),
 * all drawn by a random generator seeded with {@code (seed, i)}, so the same arguments give the same bytes, any
 * document can be produced alone, and texts are distinct (checked: {@code MillionCorpusTest}). Filter fields of known
 * selectivity: {@code bucket} is one of 100 keywords ({@code b00}..{@code b99}, ~1% each), {@code tier} is
 * {@code broad} for ~30% of documents and {@code narrow} otherwise, {@code year} is 1990..2024 uniform.
 *
 * <p>Usage: {@code bench/run.sh corpus --out DIR/million.jsonl [--n 1000000] [--seed 18]
 * [--source ../shared/data/scifact]}; then embed it with the product's own pipeline and keep it as an export, which
 * later runs import without a model:
 * <pre>
 * ./mmsearch index --data-dir D --collection million --input DIR/million.jsonl --model all-MiniLM-L6-v2-q \
 *     --keyword-fields bucket,tier --numeric-fields year
 * ./mmsearch export --data-dir D --collection million --out DIR/million-export
 * </pre>
 * Nothing it writes is committed (a million documents is ~480 MB of JSONL).
 */
public final class MillionCorpus {
    /**
     * A sentence ends at {@code .!?} after a lower-case letter, digit or bracket and before a capital; SciFact's abstracts
     * often have no space there ("disabilities.A line scan ..."), so the space is optional.
     */
    private static final Pattern SENTENCE_END = Pattern.compile("(?<=[a-z0-9)\\]%][.!?])\\s*(?=[A-Z][a-z ])");

    private final List<String> sentences;
    private final List<String> claims;
    private final long seed;

    MillionCorpus(List<String> sentences, List<String> claims, long seed) {
        if (sentences.size() < 100 || claims.isEmpty()) {
            throw new IllegalArgumentException("need at least 100 sentences and one claim, got " + sentences.size()
                    + " and " + claims.size());
        }
        this.sentences = List.copyOf(sentences);
        this.claims = List.copyOf(claims);
        this.seed = seed;
    }

    /** Reads the sentences of {@code corpus.jsonl}'s abstracts and the claims of {@code queries.jsonl}. */
    static MillionCorpus fromBeir(Path dir, long seed) throws IOException {
        List<String> sentences = new ArrayList<>();
        for (JsonNode line : lines(dir.resolve("corpus.jsonl"))) {
            for (String sentence : SENTENCE_END.split(line.path("text").asString(""))) {
                String s = sentence.strip();
                if (s.length() >= 40 && s.length() <= 240) {
                    sentences.add(s);
                }
            }
        }
        List<String> claims = new ArrayList<>();
        for (JsonNode line : lines(dir.resolve("queries.jsonl"))) {
            String claim = line.path("text").asString("").strip();
            if (!claim.isEmpty()) {
                claims.add(claim);
            }
        }
        return new MillionCorpus(sentences, claims, seed);
    }

    private static List<JsonNode> lines(Path file) throws IOException {
        try (Stream<String> lines = Files.lines(file, StandardCharsets.UTF_8)) {
            return lines.filter(l -> !l.isBlank()).map(l -> Json.MAPPER.readTree(l)).toList();
        }
    }

    /** Document {@code i}: the same for the same corpus, seed and {@code i}. */
    Map<String, Object> document(long i) {
        SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + i);
        String claim = claims.get(random.nextInt(claims.size()));
        StringBuilder answer = new StringBuilder();
        for (int s = 0; s < 2; s++) {
            if (s > 0) {
                answer.append(' ');
            }
            answer.append(sentences.get(random.nextInt(sentences.size())));
        }
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("id", String.format(Locale.ROOT, "m%07d", i));
        document.put("title", question(claim));
        document.put("text", answer.toString());
        document.put("bucket", String.format(Locale.ROOT, "b%02d", random.nextInt(100)));
        document.put("tier", random.nextDouble() < 0.3 ? "broad" : "narrow");
        document.put("year", 1990 + random.nextInt(35));
        return document;
    }

    /** A claim as the question a user would ask about it ("Is it true that ...?"). */
    static String question(String claim) {
        String c = claim.endsWith(".") ? claim.substring(0, claim.length() - 1) : claim;
        return "Is it true that " + (c.isEmpty() ? c : Character.toLowerCase(c.charAt(0)) + c.substring(1)) + "?";
    }

    /** Writes documents {@code 0..n-1} as JSON lines. */
    void write(long n, Writer out) throws IOException {
        for (long i = 0; i < n; i++) {
            out.write(Json.MAPPER.writeValueAsString(document(i)));
            out.write('\n');
        }
    }

    public static void main(String[] args) throws IOException {
        Map<String, String> opts = SearchLatencyBench.parse(args);
        Path out = Path.of(opts.getOrDefault("--out", "target/million.jsonl"));
        long n = Long.parseLong(opts.getOrDefault("--n", "1000000"));
        long seed = Long.parseLong(opts.getOrDefault("--seed", "18"));
        MillionCorpus corpus = fromBeir(Path.of(opts.getOrDefault("--source", "../shared/data/scifact")), seed);
        long start = System.nanoTime();
        if (out.getParent() != null) {
            Files.createDirectories(out.getParent());
        }
        try (BufferedWriter writer = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
            corpus.write(n, writer);
        }
        System.out.printf(Locale.ROOT, "wrote %,d documents to %s (%,d bytes) in %.1f s from %,d sentences and %,d"
                + " claims, seed %d%n", n, out, Files.size(out), (System.nanoTime() - start) / 1e9,
                corpus.sentences.size(), corpus.claims.size(), seed);
    }
}
