package dev.mmsearch.store.lucene;

import dev.mmsearch.core.TextQuery;
import dev.mmsearch.core.VectorQuery;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.ScoredId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static dev.mmsearch.store.lucene.Fixtures.SCHEMA;
import static dev.mmsearch.store.lucene.Fixtures.STAMP_A;
import static dev.mmsearch.store.lucene.Fixtures.doc;
import static dev.mmsearch.store.lucene.Fixtures.vectorFor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Deleting documents by id: visible on commit, durable, gone from every search. Real index on disk. */
class LuceneDeleteTest {
    @TempDir
    Path root;
    LuceneCollectionStore store;
    LuceneCollection collection;

    @BeforeEach
    void open() {
        store = new LuceneCollectionStore(root);
        collection = store.getOrCreate("docs", SCHEMA, STAMP_A);
        collection.upsert(List.of(doc("a", "Alpine lakes", "cold water"), doc("b", "Bee colonies", "honey and hives"),
                doc("c", "Chess openings", "the sicilian defence")));
        collection.commit();
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void deletedIdsDisappearOnCommitFromFetchAndBothSearchesAndStayDeletedAfterReopen() {
        collection.delete(List.of("b", "no-such-id"));
        assertThat(collection.count()).as("not visible before commit").isEqualTo(3);
        assertThat(collection.fetch(List.of("b"))).containsKey("b");

        collection.commit();
        assertThat(collection.count()).isEqualTo(2);
        assertThat(collection.fetch(List.of("a", "b", "c")).keySet()).containsExactly("a", "c");
        assertThat(collection.vectors(List.of("b"))).isEmpty();
        assertThat(collection.search(TextQuery.of("honey hives", 10))).isEmpty();
        List<ScoredId> nearest = collection.search(VectorQuery.of(vectorFor("b"), 3, 10));
        assertThat(nearest).extracting(ScoredId::id).containsExactlyInAnyOrder("a", "c");

        store.close();
        store = new LuceneCollectionStore(root);
        collection = store.get("docs");
        assertThat(collection.count()).isEqualTo(2);
        assertThat(collection.fetch(List.of("b"))).isEmpty();
    }

    @Test
    void aDeletedIdCanBeWrittenAgainAndAnEmptyListDoesNothing() {
        collection.delete(List.of("a"));
        collection.commit();
        collection.upsert(List.of(doc("a", "Alpine lakes", "cold water")));
        collection.delete(List.of());
        collection.commit();
        assertThat(collection.count()).isEqualTo(3);
        assertThat(collection.search(TextQuery.of("alpine", 1))).extracting(ScoredId::id).containsExactly("a");
    }

    @Test
    void aBlankOrNullIdIsRefusedAndNothingOfTheCallIsDeleted() {
        assertThatThrownBy(() -> collection.delete(List.of("a", " ")))
                .isInstanceOfSatisfying(MmsearchException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
                    assertThat(e.getMessage()).contains("id 2 of 2 is blank");
                });
        assertThatThrownBy(() -> collection.delete(Arrays.asList("c", null)))
                .isInstanceOfSatisfying(MmsearchException.class, e -> assertThat(e.getMessage()).contains("is null"));
        collection.commit();
        assertThat(collection.count()).isEqualTo(3);
    }
}
