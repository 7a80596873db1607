package dev.mmsearch.store.lucene;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import org.apache.lucene.index.SegmentInfos;
import org.apache.lucene.store.FSDirectory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.mmsearch.store.lucene.Fixtures.SCHEMA;
import static dev.mmsearch.store.lucene.Fixtures.STAMP_A;
import static dev.mmsearch.store.lucene.Fixtures.doc;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Checkpoints stored in the Lucene commit user data: atomic with the documents, durable, namespaced. */
class CommitCheckpointTest {
    @TempDir
    Path root;
    LuceneCollectionStore store;
    LuceneCollection collection;

    @BeforeEach
    void open() {
        store = new LuceneCollectionStore(root);
        collection = store.getOrCreate("docs", SCHEMA, STAMP_A);
    }

    @AfterEach
    void close() {
        store.close();
    }

    private void reopen() {
        store.close();
        store = new LuceneCollectionStore(root);
        collection = store.get("docs");
    }

    @Test
    void checkpointRoundTripsThroughReopenUnderNamespacedKeys() throws IOException {
        assertThat(collection.checkpoint()).isEmpty();
        collection.upsert(List.of(doc("a", "Alpine lakes", "cold water")));
        collection.commit(Map.of("records", "1", "input.path", "/data/x.jsonl"));
        assertThat(collection.checkpoint()).containsExactlyInAnyOrderEntriesOf(
                Map.of("records", "1", "input.path", "/data/x.jsonl"));

        reopen();
        assertThat(collection.count()).isEqualTo(1);
        assertThat(collection.checkpoint()).containsExactlyInAnyOrderEntriesOf(
                Map.of("records", "1", "input.path", "/data/x.jsonl"));
        store.close();
        try (FSDirectory directory = FSDirectory.open(root.resolve("docs"))) {
            Map<String, String> userData = SegmentInfos.readLatestCommit(directory).getUserData();
            assertThat(userData).containsEntry("mmsearch.checkpoint.records", "1")
                    .containsEntry("mmsearch.checkpoint.input.path", "/data/x.jsonl")
                    .containsKey("mmsearch.model.id");
        }
        store = new LuceneCollectionStore(root);
        collection = store.get("docs");
    }

    @Test
    void uncommittedWritesAndTheirCheckpointAreLostTogetherOnClose() {
        collection.upsert(List.of(doc("a", "Alpine lakes", "cold water")));
        collection.commit(Map.of("records", "1"));
        collection.upsert(List.of(doc("b", "Bee colonies", "honey and hives")));
        // no commit: a crash (or close) falls back to the last commit, documents and checkpoint alike
        reopen();
        assertThat(collection.count()).isEqualTo(1);
        assertThat(collection.checkpoint()).containsExactly(Map.entry("records", "1"));
    }

    @Test
    void aCheckpointAloneIsCommittedAndAnEmptyOneRemovesIt() {
        collection.upsert(List.of(doc("a", "Alpine lakes", "cold water")));
        collection.commit(Map.of("records", "1"));
        collection.commit(Map.of("records", "1", "complete", "true")); // no document changed
        reopen();
        assertThat(collection.checkpoint()).containsExactlyInAnyOrderEntriesOf(Map.of("records", "1", "complete", "true"));
        collection.commit(Map.of());
        reopen();
        assertThat(collection.checkpoint()).isEmpty();
        assertThat(collection.count()).isEqualTo(1);
    }

    @Test
    void plainCommitOfNewWritesDropsTheCheckpointButAnEmptyPlainCommitKeepsIt() {
        collection.upsert(List.of(doc("a", "Alpine lakes", "cold water")));
        collection.commit(Map.of("records", "1"));
        collection.commit(); // nothing changed: the checkpoint still describes the collection
        assertThat(collection.checkpoint()).containsExactly(Map.entry("records", "1"));
        collection.delete(List.of("a"));
        collection.commit(); // written by someone who keeps no checkpoint: the old one is no longer true
        assertThat(collection.checkpoint()).isEmpty();
        reopen();
        assertThat(collection.checkpoint()).isEmpty();
        assertThat(collection.count()).isZero();
    }

    @Test
    void invalidCheckpointEntriesAreRefusedAndNothingIsCommitted() {
        collection.upsert(List.of(doc("a", "Alpine lakes", "cold water")));
        Map<String, String> nullValue = new HashMap<>();
        nullValue.put("records", null);
        assertThatThrownBy(() -> collection.commit(nullValue))
                .isInstanceOfSatisfying(MmsearchException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
        assertThatThrownBy(() -> collection.commit(Map.of(" ", "1")))
                .isInstanceOfSatisfying(MmsearchException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
        assertThatThrownBy(() -> collection.commit((Map<String, String>) null)).isInstanceOf(NullPointerException.class);
        assertThat(collection.count()).isZero();
        assertThat(collection.checkpoint()).isEmpty();
    }
}
