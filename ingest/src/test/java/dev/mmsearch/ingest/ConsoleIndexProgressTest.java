package dev.mmsearch.ingest;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class ConsoleIndexProgressTest {

    @Test
    void showsTaskCountAndRateAndEndsOnFinish() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ConsoleIndexProgress progress = new ConsoleIndexProgress(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        progress.start("index docs", 120);
        progress.advance(70);
        progress.advance(50);
        progress.finish();
        progress.finish(); // idempotent
        String shown = bytes.toString(StandardCharsets.UTF_8);
        assertThat(shown).contains("index docs").contains("120/120").contains("docs/s");
    }

    @Test
    void unknownTotalShowsTheCount() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ConsoleIndexProgress progress = new ConsoleIndexProgress(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        progress.start("index gz", -1);
        progress.advance(42);
        progress.finish();
        assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("index gz").contains("42");
    }
}
