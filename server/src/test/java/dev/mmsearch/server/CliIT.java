package dev.mmsearch.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mmsearch.core.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** The command line against a real data dir: index, collections, search, models, errors. */
class CliIT {
    static final String MODEL = "all-MiniLM-L6-v2-q";

    @TempDir
    Path dataDir;

    Path input() throws Exception {
        return Path.of(CliIT.class.getResource("/docs/small.jsonl").toURI());
    }

    @Test
    void indexReportsBadLinesWithLineNumbersAndIndexesTheRest() throws Exception {
        Cli.Result r = Cli.run("index", "--data-dir", dataDir.toString(), "-c", "docs", "-i", input().toString(),
                "--model", MODEL, "--no-progress");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("read 27").contains("indexed 25").contains("failed 2");
        Path report = Files.list(dataDir.resolve("reports")).findFirst().orElseThrow();
        List<String> lines = Files.readAllLines(report);
        assertThat(lines).hasSize(2);
        assertThat(Json.MAPPER.readTree(lines.get(0)).get("line").asInt()).isEqualTo(11);
        assertThat(Json.MAPPER.readTree(lines.get(1)).get("line").asInt()).isEqualTo(20);
        assertThat(r.out()).contains(report.getFileName().toString());

        // Re-indexing the same file changes nothing (upsert by id).
        Cli.run("index", "--data-dir", dataDir.toString(), "-c", "docs", "-i", input().toString(), "--no-progress");
        Cli.Result listed = Cli.run("collections", "--data-dir", dataDir.toString(), "--json");
        JsonNode docs = Json.MAPPER.readTree(listed.out()).get(0);
        assertThat(docs.get("documentCount").asLong()).isEqualTo(25);
        assertThat(docs.get("stamp").get("modelId").asString()).isEqualTo(MODEL);
    }

    @Test
    void failPolicyStopsAtTheFirstBadLine() throws Exception {
        Cli.Result r = Cli.run("index", "--data-dir", dataDir.toString(), "-c", "docs", "-i", input().toString(),
                "--model", MODEL, "--on-error", "fail", "--no-progress");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("invalid_input").contains("small.jsonl:11");
    }

    @Test
    void indexingWithAnotherModelIsRefusedNamingBothModels() throws Exception {
        Cli.run("index", "--data-dir", dataDir.toString(), "-c", "docs", "-i", input().toString(), "--model", MODEL, "--no-progress");
        Cli.Result r = Cli.run("index", "--data-dir", dataDir.toString(), "-c", "docs", "-i", input().toString(),
                "--model", "bge-small-en-v1.5-q", "--no-progress");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("model_mismatch").contains(MODEL).contains("bge-small-en-v1.5-q");
    }

    @Test
    void searchPrintsRankedHitsAndJson() throws Exception {
        Cli.run("index", "--data-dir", dataDir.toString(), "-c", "docs", "-i", input().toString(), "--model", MODEL, "--no-progress");
        Cli.Result text = Cli.run("search", "--data-dir", dataDir.toString(), "-c", "docs", "-k", "3", "--retriever", "dense",
                "which", "animal", "has", "three", "hearts");
        assertThat(text.exitCode()).as(text.err()).isZero();
        assertThat(text.out().lines().findFirst().orElseThrow()).contains("animal-2").contains("Octopus");
        Cli.Result json = Cli.run("search", "--data-dir", dataDir.toString(), "-c", "docs", "--retriever", "bm25", "--json", "printing press");
        JsonNode body = Json.MAPPER.readTree(json.out());
        assertThat(body.get("hits").get(0).get("id").asString()).isEqualTo("hist-2");
    }

    @Test
    void exportImportGivesTheSameSearchResultsDeleteRemovesAndACorruptShardIsRefused() throws Exception {
        Cli.run("index", "--data-dir", dataDir.toString(), "-c", "docs", "-i", input().toString(), "--model", MODEL, "--no-progress");
        Path out = dataDir.resolve("export");
        Cli.Result exported = Cli.run("export", "--data-dir", dataDir.toString(), "--collection", "docs", "--out", out.toString(),
                "--shard-size", "10");
        assertThat(exported.exitCode()).as(exported.err()).isZero();
        assertThat(exported.out().strip()).startsWith("exported 25 documents of docs").contains("in 3 shards");
        Cli.Result imported = Cli.run("import", "--data-dir", dataDir.toString(), "--collection", "copy", "--in", out.toString());
        assertThat(imported.exitCode()).as(imported.err()).isZero();
        assertThat(imported.out().strip()).startsWith("imported 25 documents from 3 shards into copy");
        for (String retriever : List.of("dense", "bm25")) {
            Cli.Result a = Cli.run("search", "--data-dir", dataDir.toString(), "-c", "docs", "--retriever", retriever, "--json", "printing press");
            Cli.Result b = Cli.run("search", "--data-dir", dataDir.toString(), "-c", "copy", "--retriever", retriever, "--json", "printing press");
            JsonNode hitsA = Json.MAPPER.readTree(a.out()).get("hits");
            assertThat(hitsA.size()).isPositive();
            assertThat(Json.MAPPER.readTree(b.out()).get("hits")).isEqualTo(hitsA);
        }
        Cli.Result deleted = Cli.run("delete", "--data-dir", dataDir.toString(), "-c", "copy", "--id", "hist-2", "no-such-id");
        assertThat(deleted.exitCode()).as(deleted.err()).isZero();
        assertThat(deleted.out().strip()).isEqualTo("deleted 1 of 2 ids from copy; 24 documents left");
        Cli.Result afterDelete = Cli.run("search", "--data-dir", dataDir.toString(), "-c", "copy", "--retriever", "bm25",
                "--json", "printing press");
        List<String> idsAfterDelete = new java.util.ArrayList<>();
        Json.MAPPER.readTree(afterDelete.out()).get("hits").values().forEach(hit -> idsAfterDelete.add(hit.get("id").asString()));
        assertThat(idsAfterDelete).isNotEmpty().doesNotContain("hist-2");
        Cli.Result optimized = Cli.run("optimize", "--data-dir", dataDir.toString(), "-c", "copy");
        assertThat(optimized.exitCode()).as(optimized.err()).isZero();
        assertThat(optimized.out().strip()).startsWith("optimized copy: 24 documents, 1 segments before, 1 after");
        Cli.Result optimizeMissing = Cli.run("optimize", "--data-dir", dataDir.toString(), "-c", "no-such");
        assertThat(optimizeMissing.exitCode()).isEqualTo(1);
        assertThat(optimizeMissing.err()).startsWith("mmsearch: error [collection_not_found]");

        Path shard = out.resolve("part-00001.jsonl.gz");
        byte[] bytes = Files.readAllBytes(shard);
        bytes[bytes.length / 2] ^= 0x5a;
        Files.write(shard, bytes);
        Cli.Result corrupt = Cli.run("import", "--data-dir", dataDir.toString(), "--collection", "copy2", "--in", out.toString());
        assertThat(corrupt.exitCode()).isEqualTo(1);
        assertThat(corrupt.err()).contains("invalid_input").contains("part-00001.jsonl.gz");
    }

    @Test
    void userErrorsPrintOneLineAndExit1() {
        Cli.Result missing = Cli.run("search", "--data-dir", dataDir.toString(), "-c", "nope", "hello");
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.err()).startsWith("mmsearch: error [collection_not_found]").doesNotContain("Exception");
        Cli.Result badName = Cli.run("index", "--data-dir", dataDir.toString(), "-c", "Bad Name", "-i", "x.jsonl");
        assertThat(badName.exitCode()).isEqualTo(1);
        assertThat(badName.err()).contains("invalid collection name");
        Cli.Result noFile = Cli.run("index", "--data-dir", dataDir.toString(), "-c", "docs", "-i",
                dataDir.resolve("absent.jsonl").toString(), "--model", MODEL);
        assertThat(noFile.exitCode()).isEqualTo(1);
        assertThat(noFile.err()).contains("absent.jsonl");
        Cli.Result unknownModel = Cli.run("index", "--data-dir", dataDir.toString(), "-c", "docs", "-i", "x.jsonl", "--model", "gpt-17");
        assertThat(unknownModel.exitCode()).isEqualTo(1);
        assertThat(unknownModel.err()).contains("model_not_found").contains("bge-small-en-v1.5");
    }

    @Test
    void modelsListShowsEveryBuiltInWithDimensionPoolingAndSize() throws Exception {
        Cli.Result r = Cli.run("models", "list", "--json", "--data-dir", dataDir.toString());
        assertThat(r.exitCode()).isZero();
        JsonNode models = Json.MAPPER.readTree(r.out());
        assertThat(models).hasSize(8);
        JsonNode bge = null;
        for (JsonNode m : models) {
            if (m.get("id").asString().equals("bge-small-en-v1.5")) {
                bge = m;
            }
            assertThat(m.get("sizeBytes").asLong()).as(m.toString()).isGreaterThan(10_000_000L);
            assertThat(m.get("available").asBoolean()).isTrue();
            assertThat(m.get("cached").asBoolean()).as("nothing extracted in a fresh data dir").isFalse();
        }
        assertThat(bge).isNotNull();
        assertThat(bge.get("dimension").asInt()).isEqualTo(384);
        assertThat(bge.get("pooling").asString()).isEqualTo("cls");
        Cli.Result table = Cli.run("models", "list");
        assertThat(table.out()).contains("bge-small-zh-v1.5").contains("512").contains("mean").contains("int8");
    }

    @Test
    void evalComparesExperimentArmsSideBySide() throws Exception {
        Path beir = Path.of(CliIT.class.getResource("/beir-mini").toURI());
        Cli.Result r = Cli.run("eval", "--data-dir", dataDir.toString(), "--beir", beir.toString(), "--model", MODEL,
                "--arm", "dense", "--arm", "bm25", "--arm", "recall=hybrid,rank=rrf", "--json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode body = Json.MAPPER.readTree(r.out());
        assertThat(body.get("configVersion").asString()).isEqualTo("builtin-3");
        JsonNode arms = body.get("arms");
        assertThat(arms).hasSize(3);
        for (JsonNode arm : arms) {
            assertThat(arm.get("queries").asInt()).isEqualTo(6);
            assertThat(arm.get("ndcg@10").asDouble()).as(arm.toString()).isGreaterThan(0.6);
        }
        assertThat(arms.get(2).get("forcedArms").get("rank").asString()).isEqualTo("rrf");
        Cli.Result table = Cli.run("eval", "--data-dir", dataDir.toString(), "--beir", beir.toString(), "--model", MODEL,
                "--arm", "dense", "--arm", "hybrid");
        assertThat(table.out()).contains("ARM").contains("nDCG@10").contains("dense").contains("hybrid");
        Cli.Result bad = Cli.run("eval", "--data-dir", dataDir.toString(), "--beir", beir.toString(), "--model", MODEL,
                "--arm", "no-such-arm");
        assertThat(bad.exitCode()).isEqualTo(1);
        assertThat(bad.err()).contains("no-such-arm").contains("LAYER=ARM");
    }

    /**
     * {@code eval --retriever NAME} runs the search path with the recall arm NAME forced, so it scores what
     * {@code --arm recall=NAME} scores. The qrels grade every document of every query (0..2 by its id), so the
     * metrics depend on the whole ranking and not only on the one answer beir-mini judges.
     */
    @Test
    void evalRetrieverIsTheRecallArmOfTheSearchPath() throws Exception {
        Path beir = Path.of(CliIT.class.getResource("/beir-mini").toURI());
        List<String> graded = new java.util.ArrayList<>(List.of("query-id\tcorpus-id\tscore"));
        for (String query : Files.readAllLines(beir.resolve("queries.jsonl"))) {
            String q = Json.MAPPER.readTree(query).get("_id").asString();
            for (String doc : Files.readAllLines(beir.resolve("corpus.jsonl"))) {
                String d = Json.MAPPER.readTree(doc).get("_id").asString();
                graded.add(q + "\t" + d + "\t" + Math.floorMod((q + d).hashCode(), 3));
            }
        }
        Path qrels = Files.write(dataDir.resolve("graded.tsv"), graded);
        java.util.Map<String, Double> ndcg = new java.util.LinkedHashMap<>();
        for (String retriever : List.of("dense", "bm25", "hybrid")) {
            Cli.Result r = Cli.run("eval", "--data-dir", dataDir.toString(), "--beir", beir.toString(), "--model", MODEL,
                    "--qrels", qrels.toString(), "--retriever", retriever, "--json");
            assertThat(r.exitCode()).as(r.err()).isZero();
            JsonNode viaRetriever = Json.MAPPER.readTree(r.out());
            assertThat(viaRetriever.get("retriever").asString()).isEqualTo(retriever);
            assertThat(viaRetriever.get("queries").asInt()).isEqualTo(6);
            Cli.Result a = Cli.run("eval", "--data-dir", dataDir.toString(), "--beir", beir.toString(), "--model", MODEL,
                    "--qrels", qrels.toString(), "--arm", "recall=" + retriever, "--json");
            assertThat(a.exitCode()).as(a.err()).isZero();
            JsonNode viaArm = Json.MAPPER.readTree(a.out()).get("arms").get(0);
            for (String metric : List.of("ndcg@10", "recall@100", "mrr@10")) {
                // --json rounds eval results to 6 decimals and arm rows to 4: equal to 4 decimals.
                assertThat(viaRetriever.get(metric).asDouble()).as(retriever + " " + metric)
                        .isCloseTo(viaArm.get(metric).asDouble(), org.assertj.core.data.Offset.offset(0.00005));
            }
            ndcg.put(retriever, viaRetriever.get("ndcg@10").asDouble());
        }
        assertThat(ndcg.get("dense")).as("the graded qrels tell rankings apart").isNotEqualTo(ndcg.get("bm25"));

        Cli.Result bad = Cli.run("eval", "--data-dir", dataDir.toString(), "--beir", beir.toString(), "--model", MODEL,
                "--retriever", "sparse");
        assertThat(bad.exitCode()).isEqualTo(1);
        assertThat(bad.err()).contains("invalid_argument").contains("retriever 'sparse'").contains("[hybrid, dense, bm25, dense-top2]");
    }

    @Test
    void anInvalidExperimentConfigAtStartupIsAClearErrorNamingTheProblem() throws Exception {
        Cli.run("index", "--data-dir", dataDir.toString(), "-c", "docs", "-i", input().toString(), "--model", MODEL, "--no-progress");
        Files.writeString(dataDir.resolve("experiments.yaml"), """
                version: "bad"
                scenes:
                  default:
                    layers:
                      - {name: recall, stage: recall, salt: s, arms: [{name: a, weight: 1, params: {type: no-such-stage}}]}
                """);
        Cli.Result r = Cli.run("search", "--data-dir", dataDir.toString(), "-c", "docs", "bees");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).startsWith("mmsearch: error [invalid_argument]").contains("no-such-stage");
        Files.delete(dataDir.resolve("experiments.yaml"));
        Cli.Result ok = Cli.run("search", "--data-dir", dataDir.toString(), "-c", "docs", "--retriever", "dense", "bees");
        assertThat(ok.exitCode()).as(ok.err()).isZero();
        assertThat(ok.out()).contains("animal-1");
    }
}
