package dev.mmsearch.store.lucene;

import dev.mmsearch.core.VectorQuery;
import static dev.mmsearch.store.lucene.Fixtures.SCHEMA;
import static dev.mmsearch.store.lucene.Fixtures.STAMP_A;
import static dev.mmsearch.store.lucene.Fixtures.doc;
import static dev.mmsearch.store.lucene.Fixtures.vectorFor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mmsearch.core.CollectionInfo;
import dev.mmsearch.core.EmbeddedDocument;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.SearchCollection;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link LuceneCollectionStore#verify()} on real indexes damaged on disk: a few flipped bytes in the middle of a
 * segment file (which opening the index does not notice), a truncated file, a missing file.
 */
class CollectionVerificationTest {
    private static final int DOCS = 300;

    @TempDir
    Path root;

    /** Ways a file of a collection gets damaged. */
    enum Damage {
        /** Inverts 4 bytes in the middle of the largest segment file: only a checksum notices. */
        FLIPPED_BYTES {
            @Override
            Path apply(Path dir) throws IOException {
                Path victim = largestSegmentFile(dir);
                try (FileChannel channel = FileChannel.open(victim, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                    long middle = channel.size() / 2;
                    ByteBuffer bytes = ByteBuffer.allocate(4);
                    channel.read(bytes, middle);
                    for (int i = 0; i < 4; i++) {
                        bytes.put(i, (byte) ~bytes.get(i));
                    }
                    bytes.rewind();
                    channel.write(bytes, middle);
                }
                return victim;
            }
        },
        /** Cuts the largest segment file to half its length (a disk that filled up, a copy cut short). */
        TRUNCATED {
            @Override
            Path apply(Path dir) throws IOException {
                Path victim = largestSegmentFile(dir);
                try (FileChannel channel = FileChannel.open(victim, StandardOpenOption.WRITE)) {
                    channel.truncate(channel.size() / 2);
                }
                return victim;
            }
        },
        /** Removes the smallest segment file the commit needs. */
        MISSING_FILE {
            @Override
            Path apply(Path dir) throws IOException {
                Path victim = segmentFiles(dir).min(Comparator.comparingLong(CollectionVerificationTest::size))
                        .orElseThrow();
                Files.delete(victim);
                return victim;
            }
        };

        /** Damages a file of the collection in {@code dir}; returns it. */
        abstract Path apply(Path dir) throws IOException;
    }

    @Test
    void healthyCollectionsVerifyWithTheirDocumentCountsAndStayServed() {
        createWithDocuments("alpha", DOCS);
        createWithDocuments("beta", 7);
        try (LuceneCollectionStore store = new LuceneCollectionStore(root)) {
            VerificationReport report = store.verify();
            assertThat(report.checks()).extracting(VerificationReport.Check::name).containsExactly("alpha", "beta");
            assertThat(report.unavailable()).isEmpty();
            assertThat(report.checks()).extracting(VerificationReport.Check::documents).containsExactly((long) DOCS, 7L);
            assertThat(report.checks()).allSatisfy(c -> assertThat(c.sizeBytes()).isPositive());
            assertThat(store.unavailable()).isEmpty();
            assertThat(store.get("alpha").search(VectorQuery.of(vectorFor("d3"), 1, 50)).getFirst().id()).isEqualTo("d3");
        }
    }

    @Test
    void anEmptyStoreVerifiesNothing() {
        try (LuceneCollectionStore store = new LuceneCollectionStore(root)) {
            assertThat(store.verify().checks()).isEmpty();
        }
    }

    @ParameterizedTest
    @EnumSource(Damage.class)
    void aDamagedCollectionIsUnavailableNamingItsFileAndTheOthersAreServed(Damage damage) throws IOException {
        createWithDocuments("broken", DOCS);
        createWithDocuments("healthy", DOCS);
        Path dir = root.resolve("broken");
        Path victim = damage.apply(dir);

        try (LuceneCollectionStore store = new LuceneCollectionStore(root)) {
            VerificationReport report = store.verify();

            assertThat(report.verified()).extracting(VerificationReport.Check::name).containsExactly("healthy");
            assertThat(report.unavailable()).singleElement().satisfies(check -> {
                assertThat(check.name()).isEqualTo("broken");
                assertThat(check.documents()).isZero();
                assertThat(check.problem()).contains("collection 'broken'", dir.toString(), "damaged",
                        victim.getFileName().toString(), "backup", "mmsearch delete broken");
            });
            assertThat(store.unavailable()).containsOnlyKeys("broken");
            assertThat(store.unavailable().get("broken")).isEqualTo(report.unavailable().getFirst().problem());
            assertThat(store.list()).extracting(CollectionInfo::name).containsExactly("healthy");
            assertThat(store.exists("broken")).isTrue();
            for (int attempt = 0; attempt < 2; attempt++) {
                assertUnavailable(() -> store.get("broken"), victim);
            }
            assertUnavailable(() -> store.getOrCreate("broken", SCHEMA, STAMP_A), victim);
            assertThat(store.get("healthy").count()).isEqualTo(DOCS);
            assertThat(store.get("healthy").search(VectorQuery.of(vectorFor("d42"), 1, 50)).getFirst().id()).isEqualTo("d42");

            store.delete("broken");
            assertThat(store.unavailable()).as("deleting a damaged collection is the way out").isEmpty();
            assertThat(dir).doesNotExist();
        }
    }

    @Test
    void flippedBytesPassUnnoticedWhenOpeningButNotVerification() throws IOException {
        createWithDocuments("docs", DOCS);
        Path victim = Damage.FLIPPED_BYTES.apply(root.resolve("docs"));
        try (LuceneCollectionStore store = new LuceneCollectionStore(root)) {
            assertThat(store.get("docs").count()).as("Lucene opens it: why verify() exists").isEqualTo(DOCS);

            VerificationReport report = store.verify();

            assertThat(report.unavailable()).extracting(VerificationReport.Check::name).containsExactly("docs");
            assertUnavailable(() -> store.get("docs"), victim);
        }
        try (LuceneCollectionStore store = new LuceneCollectionStore(root)) {
            assertThat(store.get("docs").count()).as("verify() closed it, releasing its write lock").isEqualTo(DOCS);
        }
    }

    @Test
    void aRepairedCollectionIsServedAgainAfterTheNextVerification(@TempDir Path backup) throws IOException {
        createWithDocuments("docs", DOCS);
        Path dir = root.resolve("docs");
        List<Path> saved = copyAll(dir, backup);
        Damage.TRUNCATED.apply(dir);
        try (LuceneCollectionStore store = new LuceneCollectionStore(root)) {
            assertThat(store.verify().unavailable()).hasSize(1);
            copyAll(backup, dir); // restore from the backup
            assertThat(saved).isNotEmpty();

            VerificationReport again = store.verify();

            assertThat(again.unavailable()).isEmpty();
            assertThat(store.unavailable()).isEmpty();
            assertThat(store.get("docs").count()).isEqualTo(DOCS);
        }
    }

    private static void assertUnavailable(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, Path victim) {
        assertThatThrownBy(call).isInstanceOfSatisfying(MmsearchException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.COLLECTION_UNAVAILABLE);
            assertThat(e.code().httpStatus()).isEqualTo(503);
            assertThat(e.getMessage()).contains("collection '", "unavailable", victim.getFileName().toString(),
                    "restore");
        });
    }

    private void createWithDocuments(String name, int documents) {
        try (LuceneCollectionStore store = new LuceneCollectionStore(root)) {
            SearchCollection collection = store.getOrCreate(name, SCHEMA, STAMP_A);
            List<EmbeddedDocument> batch = new ArrayList<>();
            for (int i = 0; i < documents; i++) {
                batch.add(doc("d" + i, "title " + i, "some text about topic " + (i % 17)));
            }
            collection.upsert(batch);
            collection.commit();
        }
    }

    private static List<Path> copyAll(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.list(from)) {
            List<Path> copied = new ArrayList<>();
            for (Path file : files.filter(f -> !f.getFileName().toString().equals("write.lock")).toList()) {
                copied.add(Files.copy(file, to.resolve(file.getFileName()),
                        java.nio.file.StandardCopyOption.REPLACE_EXISTING));
            }
            return copied;
        }
    }

    private static Stream<Path> segmentFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> {
                String name = p.getFileName().toString();
                return !name.startsWith("segments_") && !name.equals("write.lock");
            }).toList().stream();
        }
    }

    private static Path largestSegmentFile(Path dir) throws IOException {
        return segmentFiles(dir).max(Comparator.comparingLong(CollectionVerificationTest::size)).orElseThrow();
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
