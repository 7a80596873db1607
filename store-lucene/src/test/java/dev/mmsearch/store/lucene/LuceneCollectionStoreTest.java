package dev.mmsearch.store.lucene;

import dev.mmsearch.core.TextQuery;
import dev.mmsearch.core.VectorQuery;
import static dev.mmsearch.store.lucene.Fixtures.SCHEMA;
import static dev.mmsearch.store.lucene.Fixtures.STAMP_A;
import static dev.mmsearch.store.lucene.Fixtures.STAMP_B;
import static dev.mmsearch.store.lucene.Fixtures.doc;
import static dev.mmsearch.store.lucene.Fixtures.vectorFor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mmsearch.core.CollectionInfo;
import dev.mmsearch.core.CollectionSchema;
import dev.mmsearch.core.Document;
import dev.mmsearch.core.EmbeddedDocument;
import dev.mmsearch.core.Filter;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.ModelStamp;
import dev.mmsearch.core.ScoredId;
import dev.mmsearch.core.SearchCollection;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.store.FSDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Store lifecycle on real directories: persistence, stamps, listing, deletion, locks and damage. */
class LuceneCollectionStoreTest {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(LuceneCollectionStoreTest.class);
    @TempDir
    Path root;

    @Test
    void reopeningFromDiskGivesTheSameDocumentsStampAndSchema() {
        try (LuceneCollectionStore store = new LuceneCollectionStore(root)) {
            SearchCollection docs = store.getOrCreate("docs", SCHEMA, STAMP_A);
            docs.upsert(List.of(doc("d1", "Alpha", "first text", "news", vectorFor("d1")), doc("d2", "Beta", "second")));
            docs.commit();
        }
        try (LuceneCollectionStore store = new LuceneCollectionStore(root)) {
            assertThat(store.exists("docs")).isTrue();
            SearchCollection docs = store.get("docs");
            assertThat(docs.count()).isEqualTo(2);
            assertThat(docs.stamp()).isEqualTo(STAMP_A);
            assertThat(docs.schema()).isEqualTo(SCHEMA);
            assertThat(docs.fetch(List.of("d1")).get("d1").fields()).containsEntry("title", "Alpha")
                    .containsEntry("category", "news");
            assertThat(docs.search(VectorQuery.of(vectorFor("d2"), 1, 10))).extracting(ScoredId::id).containsExactly("d2");
            assertThat(docs.search(TextQuery.of("second", 5))).extracting(ScoredId::id).containsExactly("d2");
            assertThat(store.get("docs")).as("opened once, then cached").isSameAs(docs);
        }
    }

    @Test
    void anEmptyCollectionIsCommittedOnCreation() {
        try (LuceneCollectionStore store = new LuceneCollectionStore(root)) {
            store.getOrCreate("empty", SCHEMA, STAMP_A);
        }
        try (LuceneCollectionStore store = new LuceneCollectionStore(root)) {
            assertThat(store.exists("empty")).isTrue();
            assertThat(store.get("empty").count()).isZero();
            assertThat(store.get("empty").stamp()).isEqualTo(STAMP_A);
        }
    }

    @Test
    void anotherModelIsRefusedNamingBothModels() {
        try (LuceneCollectionStore store = new LuceneCollectionStore(root)) {
            store.getOrCreate("docs", SCHEMA, STAMP_A);
            assertModelMismatch(() -> store.getOrCreate("docs", SCHEMA, STAMP_B));
            assertThat(store.getOrCreate("docs", SCHEMA, STAMP_A).stamp()).isEqualTo(STAMP_A);
        }
        try (LuceneCollectionStore store = new LuceneCollectionStore(root)) {
            assertModelMismatch(() -> store.getOrCreate("docs", SCHEMA, STAMP_B));
        }
    }

    @Test
    void writesNotCommittedAreLostOnClose() {
        try (LuceneCollectionStore store = new LuceneCollectionStore(root)) {
            SearchCollection docs = store.getOrCreate("docs", SCHEMA, STAMP_A);
            docs.upsert(List.of(doc("kept", "t", "t")));
            docs.commit();
            docs.upsert(List.of(doc("lost", "t", "t"), doc("kept", "changed", "t")));
        }
        try (LuceneCollectionStore store = new LuceneCollectionStore(root)) {
            SearchCollection docs = store.get("docs");
            assertThat(docs.count()).isEqualTo(1);
            assertThat(docs.fetch(List.of("kept", "lost")).keySet()).containsExactly("kept");
            assertThat(docs.fetch(List.of("kept")).get("kept").text("title")).isEqualTo("t");
        }
    }

    @Test
    void aCopyTakenWhileWritingHoldsExactlyTheLastCommit() throws IOException {
        Path copyRoot = root.resolve("copy");
        try (LuceneCollectionStore store = new LuceneCollectionStore(root.resolve("live"))) {
            SearchCollection docs = store.getOrCreate("docs", SCHEMA, STAMP_A);
            docs.upsert(List.of(doc("a", "t", "t"), doc("b", "t", "t")));
            docs.commit();
            docs.upsert(List.of(doc("c", "t", "t")));
            // What a crash (kill -9) leaves behind: the files on disk while the writer is still open.
            copyTree(root.resolve("live"), copyRoot);
        }
        try (LuceneCollectionStore copy = new LuceneCollectionStore(copyRoot)) {
            SearchCollection docs = copy.get("docs");
            assertThat(docs.count()).isEqualTo(2);
            assertThat(docs.fetch(List.of("a", "b", "c")).keySet()).containsExactly("a", "b");
        }
    }

    @Test
    void numericFieldsSurviveReopening() throws IOException {
        CollectionSchema withNumbers = new CollectionSchema("{title}", List.of("title"), List.of("category"),
                List.of("price", "year"));
        try (LuceneCollectionStore store = new LuceneCollectionStore(root)) {
            SearchCollection shop = store.getOrCreate("shop", withNumbers, STAMP_A);
            shop.upsert(List.of(
                    new EmbeddedDocument(new Document("cheap", Map.of("title", "Cheap", "price", 3, "year", 2020)),
                            vectorFor("cheap")),
                    new EmbeddedDocument(new Document("dear", Map.of("title", "Dear", "price", 300.5)),
                            vectorFor("dear"))));
            shop.commit();
            store.getOrCreate("plain", SCHEMA, STAMP_A).commit();
        }
        // Both are COSINE collections indexed as DOT_PRODUCT over unit vectors: format 3 (UnitVectorsTest).
        assertThat(commitData(root.resolve("shop"))).containsEntry(CommitMetadata.FORMAT, "3")
                .containsEntry(CommitMetadata.SCHEMA_NUMERIC_FIELDS, "[\"price\",\"year\"]");
        assertThat(commitData(root.resolve("plain"))).containsEntry(CommitMetadata.FORMAT, "3")
                .containsEntry(CommitMetadata.SCHEMA_NUMERIC_FIELDS, "[]");
        try (LuceneCollectionStore store = new LuceneCollectionStore(root)) {
            SearchCollection shop = store.get("shop");
            assertThat(shop.schema()).isEqualTo(withNumbers);
            assertThat(shop.schema().numericFields()).containsExactly("price", "year");
            assertThat(store.list()).filteredOn(info -> info.name().equals("shop"))
                    .extracting(CollectionInfo::schema).containsExactly(withNumbers);
            assertThat(shop.search(VectorQuery.of(vectorFor("x"), 5, 10, new Filter.Range("price", null, 3.0, null, null))))
                    .extracting(ScoredId::id).containsExactly("dear");
            assertThat(shop.search(VectorQuery.of(vectorFor("x"), 5, 10, new Filter.Range("year", 2020.0, null, null, null))))
                    .extracting(ScoredId::id).containsExactly("cheap");
            assertThat(store.get("plain").schema()).isEqualTo(SCHEMA);
        }
    }

    @Test
    void aCollectionStoredBeforeNumericFieldsExistedStillOpens() throws IOException {
        createWithDocuments("docs", 4);
        rewriteCommitData(root.resolve("docs"), data -> data.remove(CommitMetadata.SCHEMA_NUMERIC_FIELDS));
        assertThat(commitData(root.resolve("docs"))).doesNotContainKey(CommitMetadata.SCHEMA_NUMERIC_FIELDS);
        try (LuceneCollectionStore store = new LuceneCollectionStore(root)) {
            assertThat(store.list()).extracting(CollectionInfo::schema).containsExactly(SCHEMA);
            SearchCollection docs = store.get("docs");
            assertThat(docs.schema().numericFields()).isEmpty();
            assertThat(docs.schema()).isEqualTo(SCHEMA);
            assertThat(docs.count()).isEqualTo(4);
            assertThat(docs.search(TextQuery.of("text", 10, new Filter.Term("category", "none")))).isEmpty();
            assertThatThrownBy(() -> docs.search(TextQuery.of("text", 10, new Filter.Range("price", 1.0, null, null, null))))
                    .isInstanceOfSatisfying(MmsearchException.class,
                            e -> assertThat(e.getMessage()).contains("numeric fields (range): []"));
            docs.upsert(List.of(doc("d9", "title 9", "some text 9")));
            docs.commit();
        }
        assertThat(commitData(root.resolve("docs"))).as("written back with the key, same format")
                .containsEntry(CommitMetadata.FORMAT, "3").containsEntry(CommitMetadata.SCHEMA_NUMERIC_FIELDS, "[]");
    }

    /**
     * The format a commit records is the oldest that holds what the collection uses, so older readers keep opening
     * what they can read: Lucene-COSINE collections (written before format 3) stay format 1, or 2 with numeric fields.
     */
    @Test
    void theFormatIsTheOldestThatHoldsTheCollection() {
        java.time.Instant now = java.time.Instant.now();
        CollectionSchema withNumbers = new CollectionSchema("{title}", List.of("title"), List.of(), List.of("price"));
        assertThat(new CommitMetadata(STAMP_A, SCHEMA, now, now, null, null).toUserData())
                .containsEntry(CommitMetadata.FORMAT, "1").doesNotContainKey(CommitMetadata.VECTOR_FUNCTION);
        assertThat(new CommitMetadata(STAMP_A, withNumbers, now, now, null, null).toUserData())
                .containsEntry(CommitMetadata.FORMAT, "2");
        assertThat(CommitMetadata.created(STAMP_A, SCHEMA, now, null).toUserData())
                .containsEntry(CommitMetadata.FORMAT, "3").containsEntry(CommitMetadata.VECTOR_FUNCTION, "DOT_PRODUCT");
        ModelStamp euclidean = new ModelStamp("e", "e5".repeat(32), 8, dev.mmsearch.core.VectorSimilarity.EUCLIDEAN);
        assertThat(CommitMetadata.created(euclidean, SCHEMA, now, null).toUserData()).as("nothing changed for EUCLIDEAN")
                .containsEntry(CommitMetadata.FORMAT, "1").doesNotContainKey(CommitMetadata.VECTOR_FUNCTION);
    }

    private static Map<String, String> commitData(Path dir) throws IOException {
        try (var directory = FSDirectory.open(dir)) {
            return org.apache.lucene.index.SegmentInfos.readLatestCommit(directory).getUserData();
        }
    }

    @Test
    void listDescribesEveryCollectionSortedByName() throws IOException {
        Instant before = Instant.now();
        CollectionSchema other = new CollectionSchema("{body}", List.of("body"), List.of());
        try (LuceneCollectionStore store = new LuceneCollectionStore(root)) {
            SearchCollection zeta = store.getOrCreate("zeta", SCHEMA, STAMP_A);
            zeta.upsert(List.of(doc("1", "t", "t"), doc("2", "t", "t"), doc("3", "t", "t")));
            zeta.commit();
            store.getOrCreate("alpha", other, STAMP_B);
            Files.createDirectories(root.resolve("not-a-collection"));
            Files.createDirectories(root.resolve("Bad Name"));
            Instant after = Instant.now();

            List<CollectionInfo> open = store.list();
            assertThat(open).extracting(CollectionInfo::name).containsExactly("alpha", "zeta");
            assertInfo(open.get(0), "alpha", other, STAMP_B, 0, before, after);
            assertInfo(open.get(1), "zeta", SCHEMA, STAMP_A, 3, before, after);
            assertThat(open.get(1).sizeBytes()).isGreaterThan(open.get(0).sizeBytes())
                    .isLessThanOrEqualTo(directorySize(root.resolve("zeta")));

            try (LuceneCollectionStore fresh = new LuceneCollectionStore(root)) {
                assertThat(fresh.list()).as("read from the last commits without opening").isEqualTo(open);
            }
        }
    }

    @Test
    void deleteRemovesTheCollectionAndItsFiles() {
        try (LuceneCollectionStore store = new LuceneCollectionStore(root)) {
            SearchCollection docs = store.getOrCreate("docs", SCHEMA, STAMP_A);
            docs.upsert(List.of(doc("a", "t", "t")));
            docs.commit();
            store.getOrCreate("other", SCHEMA, STAMP_A);

            store.delete("docs");

            assertThat(store.exists("docs")).isFalse();
            assertThat(root.resolve("docs")).doesNotExist();
            assertThat(store.list()).extracting(CollectionInfo::name).containsExactly("other");
            assertCode(() -> store.get("docs"), ErrorCode.COLLECTION_NOT_FOUND, "docs");
            assertCode(() -> store.delete("docs"), ErrorCode.COLLECTION_NOT_FOUND, "docs");
            assertCode(docs::count, ErrorCode.NOT_READY, "closed");
            assertThat(store.getOrCreate("docs", SCHEMA, STAMP_B).count()).as("the name can be reused").isZero();
        }
        try (Stream<Path> left = Files.list(root)) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("docs", "other");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void missingCollectionsAndInvalidNames() {
        try (LuceneCollectionStore store = new LuceneCollectionStore(root)) {
            assertCode(() -> store.get("nope"), ErrorCode.COLLECTION_NOT_FOUND, "nope");
            assertThat(store.exists("nope")).isFalse();
            for (String bad : new String[] {"../escape", "Upper", "", "a/b", "-dash", "x".repeat(65)}) {
                assertCode(() -> store.getOrCreate(bad, SCHEMA, STAMP_A), ErrorCode.INVALID_ARGUMENT,
                        "invalid collection name");
                assertCode(() -> store.get(bad), ErrorCode.INVALID_ARGUMENT, "invalid collection name");
                assertCode(() -> store.delete(bad), ErrorCode.INVALID_ARGUMENT, "invalid collection name");
            }
            assertThat(root.getParent().resolve("escape")).doesNotExist();
        }
    }

    @Test
    void aDirectoryWithoutACommitIsAnUnfinishedCreation() throws IOException {
        Files.createDirectories(root.resolve("half"));
        Files.writeString(root.resolve("half").resolve("_0.si"), "left over");
        try (LuceneCollectionStore store = new LuceneCollectionStore(root)) {
            assertThat(store.exists("half")).isFalse();
            assertThat(store.list()).isEmpty();
            assertCode(() -> store.get("half"), ErrorCode.COLLECTION_NOT_FOUND, "half");
            SearchCollection half = store.getOrCreate("half", SCHEMA, STAMP_A);
            half.upsert(List.of(doc("a", "t", "t")));
            half.commit();
            assertThat(half.count()).isEqualTo(1);
        }
    }

    @Test
    void aCollectionOpenInAnotherStoreIsReportedAsLocked() {
        try (LuceneCollectionStore first = new LuceneCollectionStore(root);
             LuceneCollectionStore second = new LuceneCollectionStore(root)) {
            first.getOrCreate("docs", SCHEMA, STAMP_A);
            String lockFile = root.resolve("docs").resolve("write.lock").toString();
            assertCode(() -> second.get("docs"), ErrorCode.NOT_READY,
                    "collection 'docs' is locked by another mmsearch process (" + lockFile + ")", "--data-dir");
            assertCode(() -> second.getOrCreate("docs", SCHEMA, STAMP_A), ErrorCode.NOT_READY, "locked");
            assertCode(() -> second.delete("docs"), ErrorCode.NOT_READY, "locked");
            assertThat(second.list()).as("listing needs no lock").extracting(CollectionInfo::name)
                    .containsExactly("docs");

            first.close();
            assertThat(second.get("docs").count()).as("free once the first store closed").isZero();
        }
    }

    @Test
    void aDamagedSegmentFileGivesAnErrorNamingTheCollection() throws IOException {
        createWithDocuments("docs", 20);
        Path dir = root.resolve("docs");
        Path victim = largestSegmentFile(dir);
        overwriteWithGarbage(victim);

        try (LuceneCollectionStore store = new LuceneCollectionStore(root)) {
            for (int attempt = 0; attempt < 2; attempt++) {
                assertCode(() -> store.get("docs"), ErrorCode.COLLECTION_UNAVAILABLE, "collection 'docs'",
                        dir.toString(), "damaged", "in file " + victim.getFileName(), "backup", "mmsearch delete docs");
            }
            assertThat(store.list()).as("a damaged collection is listed as unavailable, not as servable").isEmpty();
            assertThat(store.unavailable()).containsOnlyKeys("docs");
            store.delete("docs");
            assertThat(dir).doesNotExist();
            assertThat(store.unavailable()).isEmpty();
        }
    }

    @Test
    void aDamagedCommitFileGivesAnErrorNamingTheCollection() throws IOException {
        createWithDocuments("docs", 5);
        Path dir = root.resolve("docs");
        try (Stream<Path> files = Files.list(dir)) {
            for (Path segments : files.filter(p -> p.getFileName().toString().startsWith("segments_")).toList()) {
                overwriteWithGarbage(segments);
            }
        }
        try (LuceneCollectionStore store = new LuceneCollectionStore(root)) {
            assertCode(() -> store.get("docs"), ErrorCode.COLLECTION_UNAVAILABLE, "collection 'docs'", dir.toString());
            assertThat(store.list()).as("an unreadable commit is left out of listings").isEmpty();
            assertThat(store.unavailable()).containsOnlyKeys("docs");
        }
    }

    @Test
    void aNewerStorageFormatIsRefused() throws IOException {
        createWithDocuments("docs", 3);
        String newer = Integer.toString(CommitMetadata.FORMAT_VERSION + 1);
        rewriteCommitData(root.resolve("docs"), data -> data.put(CommitMetadata.FORMAT, newer));
        try (LuceneCollectionStore store = new LuceneCollectionStore(root)) {
            assertCode(() -> store.get("docs"), ErrorCode.INTERNAL, "collection 'docs'", "format " + newer,
                    "upgrade mmsearch");
            assertCode(() -> store.get("docs"), ErrorCode.INTERNAL, "format " + newer);
        }
    }

    @Test
    void aLuceneIndexNotMadeByMmsearchIsRefused() throws IOException {
        Path dir = root.resolve("foreign");
        try (IndexWriter writer = new IndexWriter(FSDirectory.open(dir), new IndexWriterConfig(new StandardAnalyzer()))) {
            org.apache.lucene.document.Document doc = new org.apache.lucene.document.Document();
            doc.add(new StringField("id", "1", org.apache.lucene.document.Field.Store.YES));
            writer.addDocument(doc);
            writer.commit();
        }
        try (LuceneCollectionStore store = new LuceneCollectionStore(root)) {
            assertCode(() -> store.get("foreign"), ErrorCode.INTERNAL, "collection 'foreign'", "not created by mmsearch");
            assertCode(() -> store.getOrCreate("foreign", SCHEMA, STAMP_A), ErrorCode.INTERNAL, "mmsearch metadata");
        }
    }

    @Test
    void aClosedStoreRefusesWork() {
        LuceneCollectionStore store = new LuceneCollectionStore(root);
        SearchCollection docs = store.getOrCreate("docs", SCHEMA, STAMP_A);
        store.close();
        store.close();
        assertCode(store::list, ErrorCode.NOT_READY, "closed");
        assertCode(() -> store.get("docs"), ErrorCode.NOT_READY, "closed");
        assertCode(() -> docs.upsert(List.of(doc("a", "t", "t"))), ErrorCode.NOT_READY, "closed");
        assertCode(() -> docs.search(VectorQuery.of(vectorFor("q"), 1, 1)), ErrorCode.NOT_READY, "closed");
    }

    private void createWithDocuments(String name, int documents) {
        try (LuceneCollectionStore store = new LuceneCollectionStore(root)) {
            SearchCollection collection = store.getOrCreate(name, SCHEMA, STAMP_A);
            for (int i = 0; i < documents; i++) {
                collection.upsert(List.of(doc("d" + i, "title " + i, "some text " + i)));
            }
            collection.commit();
        }
    }

    private static void rewriteCommitData(Path dir, java.util.function.Consumer<Map<String, String>> change)
            throws IOException {
        IndexWriterConfig config = new IndexWriterConfig(new StandardAnalyzer())
                .setOpenMode(IndexWriterConfig.OpenMode.APPEND);
        try (IndexWriter writer = new IndexWriter(FSDirectory.open(dir), config)) {
            Map<String, String> data = new LinkedHashMap<>();
            writer.getLiveCommitData().forEach(e -> data.put(e.getKey(), e.getValue()));
            change.accept(data);
            writer.setLiveCommitData(data.entrySet());
            writer.commit();
        }
    }

    private static Path largestSegmentFile(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> {
                String name = p.getFileName().toString();
                return !name.startsWith("segments_") && !name.equals("write.lock");
            }).max(Comparator.comparingLong(LuceneCollectionStoreTest::size)).orElseThrow();
        }
    }

    private static void overwriteWithGarbage(Path file) throws IOException {
        byte[] garbage = new byte[(int) Files.size(file)];
        new Random(7).nextBytes(garbage);
        Files.write(file, garbage);
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static long directorySize(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.mapToLong(LuceneCollectionStoreTest::size).sum();
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path source : paths.toList()) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target);
                }
            }
        }
    }

    private static void assertInfo(CollectionInfo info, String name, CollectionSchema schema,
                                   dev.mmsearch.core.ModelStamp stamp, long count, Instant before, Instant after) {
        assertThat(info.name()).isEqualTo(name);
        assertThat(info.schema()).isEqualTo(schema);
        assertThat(info.stamp()).isEqualTo(stamp);
        assertThat(info.documentCount()).isEqualTo(count);
        assertThat(info.sizeBytes()).isPositive();
        assertThat(info.lastModified()).isBetween(before, after);
    }

    private static void assertModelMismatch(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
        assertCode(call, ErrorCode.MODEL_MISMATCH, "model-alpha", "model-beta", "'docs'");
    }

    private static void assertCode(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, ErrorCode code,
                                   String... messageParts) {
        assertThatThrownBy(call).isInstanceOfSatisfying(MmsearchException.class, e -> {
            log.debug("expected error code={} message={}", e.code(), e.getMessage());
            assertThat(e.code()).isEqualTo(code);
            assertThat(e.getMessage()).contains(messageParts);
        });
    }
}
