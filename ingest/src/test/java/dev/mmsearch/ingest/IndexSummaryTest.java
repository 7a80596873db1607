package dev.mmsearch.ingest;

import dev.mmsearch.core.MmsearchException;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class IndexSummaryTest {

    @Test
    void lineWithoutErrors() {
        IndexSummary summary = new IndexSummary(5183, 5183, 0, 0, 0, Duration.ofMillis(812_300), 6.38, null);
        assertThat(summary.toLine()).isEqualTo("read 5183, indexed 5183, skipped 0, failed 0 in 812.3 s (6.4 docs/s); errors: none");
    }

    @Test
    void lineWithErrorsAndDuplicatesNamesTheReport() {
        Path report = Path.of("data/reports/docs-20250101T000000000Z-errors.jsonl");
        IndexSummary summary = new IndexSummary(200, 195, 0, 3, 2, Duration.ofMillis(1_500), 130.0, report);
        assertThat(summary.toLine()).isEqualTo("read 200, indexed 195, skipped 0, failed 3, duplicates 2 in 1.5 s (130.0 docs/s); errors: "
                + report);
    }

    @Test
    void optionsRefuseNonsense() {
        IndexOptions defaults = IndexOptions.defaults();
        assertThat(defaults.batchSize()).isEqualTo(32);
        assertThat(defaults.windowSize()).isEqualTo(512);
        assertThat(defaults.errorPolicy()).isEqualTo(ErrorPolicy.SKIP);
        assertThatThrownBy(() -> defaults.withBatchSize(0)).isInstanceOf(MmsearchException.class).hasMessageContaining("batch size");
        assertThatThrownBy(() -> defaults.withCommitEvery(0)).isInstanceOf(MmsearchException.class).hasMessageContaining("commit");
        assertThatThrownBy(() -> defaults.withWindowFactor(0)).isInstanceOf(MmsearchException.class).hasMessageContaining("window");
        assertThat(ErrorPolicy.parse(" Fail ")).isEqualTo(ErrorPolicy.FAIL);
        assertThatThrownBy(() -> ErrorPolicy.parse("ignore")).isInstanceOf(MmsearchException.class)
                .hasMessage("unknown error policy 'ignore'; use one of: skip, fail");
    }
}
