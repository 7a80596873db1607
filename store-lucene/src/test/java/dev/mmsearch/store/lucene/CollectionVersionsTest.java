package dev.mmsearch.store.lucene;

import dev.mmsearch.core.TextQuery;
import dev.mmsearch.core.VectorQuery;
import dev.mmsearch.core.CollectionInfo;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.Filter;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.ScoredId;
import dev.mmsearch.core.SearchCollection;
import dev.mmsearch.core.VectorEncoding;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static dev.mmsearch.store.lucene.Fixtures.SCHEMA;
import static dev.mmsearch.store.lucene.Fixtures.STAMP_A;
import static dev.mmsearch.store.lucene.Fixtures.STAMP_B;
import static dev.mmsearch.store.lucene.Fixtures.doc;
import static dev.mmsearch.store.lucene.Fixtures.vectorFor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Collection versions (what {@code reindex} switches between) and deleting by filter, on a real index on disk:
 * the name switches atomically, the old version serves calls that hold it during the grace period, a restart
 * finds the published version, and an interrupted re-index leaves nothing behind.
 */
class CollectionVersionsTest {
    @TempDir
    Path root;
    LuceneCollectionStore store;

    @AfterEach
    void close() {
        if (store != null) {
            store.close();
        }
    }

    private LuceneCollection seeded(String name) {
        LuceneCollection c = (LuceneCollection) store.getOrCreate(name, SCHEMA, STAMP_A);
        c.upsert(List.of(doc("a", "Alpine lakes", "cold water", "geo", vectorFor("a")),
                doc("b", "Bee colonies", "honey and hives", "bio", vectorFor("b")),
                doc("c", "Chess openings", "the sicilian defence", "games", vectorFor("c"))));
        c.commit();
        return c;
    }

    @Test
    void publishingSwitchesTheNameToTheNewModelAndTheOldVersionKeepsServingItsHoldersUntilTheGraceEnds()
            throws Exception {
        store = new LuceneCollectionStore(root, Duration.ofMillis(300));
        LuceneCollection old = seeded("docs");
        SearchCollection version = store.createVersion("docs", SCHEMA, STAMP_B, VectorEncoding.INT8);
        assertThat(store.list()).extracting(CollectionInfo::name).containsExactly("docs");
        assertThat(store.get("docs").stamp()).as("unpublished version is invisible").isEqualTo(STAMP_A);
        assertThat(version.name()).isEqualTo("docs");
        version.upsert(List.of(doc("a", "Alpine lakes", "cold water", "geo", vectorFor("a2")),
                doc("b", "Bee colonies", "honey and hives", "bio", vectorFor("b2"))));
        version.commit();

        store.publishVersion("docs", version);

        SearchCollection now = store.get("docs");
        assertThat(now).isSameAs(version);
        assertThat(now.stamp()).isEqualTo(STAMP_B);
        assertThat(now.vectorEncoding()).isEqualTo(VectorEncoding.INT8);
        assertThat(now.count()).isEqualTo(2);
        assertThat(now.search(VectorQuery.of(vectorFor("b2"), 1, 10))).extracting(ScoredId::id).containsExactly("b");
        assertThat(store.list()).singleElement().satisfies(info -> {
            assertThat(info.name()).isEqualTo("docs");
            assertThat(info.stamp()).isEqualTo(STAMP_B);
        });
        // A caller that got the old version before the switch can still finish with it.
        assertThat(old.search(TextQuery.of("honey", 5))).extracting(ScoredId::id).containsExactly("b");

        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!old.isClosed() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(old.isClosed()).as("old version closed after its grace").isTrue();
        awaitGone(root.resolve("docs"));
        assertThat(root.resolve("docs~1")).isDirectory();

        store.close();
        store = new LuceneCollectionStore(root);
        assertThat(store.get("docs").stamp()).as("restart finds the published version").isEqualTo(STAMP_B);
        assertThat(store.get("docs").count()).isEqualTo(2);
    }

    @Test
    void aSecondReindexReplacesTheFirstVersionAndDeleteRemovesNameAndDirectories() throws Exception {
        store = new LuceneCollectionStore(root, Duration.ZERO);
        seeded("docs");
        SearchCollection v1 = store.createVersion("docs", SCHEMA, STAMP_B, VectorEncoding.FLOAT32);
        v1.upsert(List.of(doc("x", "X", "x")));
        store.publishVersion("docs", v1);
        SearchCollection v2 = store.createVersion("docs", SCHEMA, STAMP_A, VectorEncoding.FLOAT32);
        v2.upsert(List.of(doc("y", "Y", "y"), doc("z", "Z", "z")));
        store.publishVersion("docs", v2);
        assertThat(store.get("docs").stamp()).isEqualTo(STAMP_A);
        assertThat(store.get("docs").count()).isEqualTo(2);
        awaitGone(root.resolve("docs~1"));

        store.delete("docs");
        assertThat(store.exists("docs")).isFalse();
        assertThat(store.list()).isEmpty();
        assertThat(children()).as("nothing left but the alias table").containsExactly("aliases.json");
        // The name is free again: a new plain collection, not an alias to a removed version.
        store.getOrCreate("docs", SCHEMA, STAMP_B);
        assertThat(store.get("docs").stamp()).isEqualTo(STAMP_B);
    }

    @Test
    void anInterruptedReindexIsRemovedAtStartAndTheOldVersionStillServes() {
        store = new LuceneCollectionStore(root);
        seeded("docs");
        SearchCollection version = store.createVersion("docs", SCHEMA, STAMP_B, VectorEncoding.FLOAT32);
        version.upsert(List.of(doc("a", "A", "a")));
        version.commit();
        store.close(); // "crash" before publishing

        store = new LuceneCollectionStore(root);
        assertThat(root.resolve("docs~1")).doesNotExist();
        assertThat(store.get("docs").stamp()).isEqualTo(STAMP_A);
        assertThat(store.get("docs").count()).isEqualTo(3);
    }

    @Test
    void discardingAVersionLeavesThePublishedOneAndBadVersionCallsAreRefused() {
        store = new LuceneCollectionStore(root);
        seeded("docs");
        seeded("other");
        SearchCollection version = store.createVersion("docs", SCHEMA, STAMP_B, VectorEncoding.FLOAT32);
        assertThatThrownBy(() -> store.publishVersion("other", version))
                .isInstanceOfSatisfying(MmsearchException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT))
                .hasMessageContaining("belongs to collection 'docs'");
        store.discardVersion("docs", version);
        assertThat(root.resolve("docs~1")).doesNotExist();
        assertThatThrownBy(() -> store.publishVersion("docs", version))
                .hasMessageContaining("already published or discarded");
        assertThatThrownBy(() -> store.createVersion("missing", SCHEMA, STAMP_B, VectorEncoding.FLOAT32))
                .isInstanceOfSatisfying(MmsearchException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.COLLECTION_NOT_FOUND));
        assertThat(store.get("docs").count()).isEqualTo(3);
    }

    @Test
    void aCorruptAliasTableIsAClearStartupErrorNamingTheFile() throws Exception {
        Files.createDirectories(root);
        Files.writeString(root.resolve("aliases.json"), "{\"docs\": \"../../etc\"}");
        assertThatThrownBy(() -> new LuceneCollectionStore(root))
                .isInstanceOf(MmsearchException.class)
                .hasMessageContaining("aliases.json")
                .hasMessageContaining("bad entry docs");
    }

    @Test
    void deleteMatchingRemovesExactlyTheFilteredDocumentsOnCommitAndRefusesUnknownFields() {
        store = new LuceneCollectionStore(root);
        LuceneCollection c = seeded("docs");
        assertThatThrownBy(() -> c.deleteMatching(new Filter.Term("colour", "red")))
                .isInstanceOfSatisfying(MmsearchException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
        assertThat(c.count()).isEqualTo(3);

        long matched = c.deleteMatching(new Filter.Terms("category", List.of("bio", "games")));
        assertThat(matched).isEqualTo(2);
        assertThat(c.count()).as("visible on commit").isEqualTo(3);
        c.commit();
        assertThat(c.count()).isEqualTo(1);
        assertThat(c.fetch(List.of("a", "b", "c")).keySet()).containsExactly("a");
        assertThat(c.deleteMatching(new Filter.Term("category", "bio"))).isZero();
    }

    private List<String> children() throws Exception {
        try (Stream<Path> s = Files.list(root)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static void awaitGone(Path path) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (Files.exists(path) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(path).doesNotExist();
    }
}
