package dev.mmsearch.core;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One highlighted fragment of a field's text: the fragment as consecutive runs of raw text (not escaped, not
 * markup), each run flagged as a match of the query or not. Concatenating the runs' text gives the fragment's text,
 * a slice of the field's text (leading and trailing whitespace left out).
 *
 * <p>In JSON it is the plain array of its runs, e.g.
 * {@code [{"text": "She ", "match": false}, {"text": "runs", "match": true}, {"text": " & jumps", "match": false}]};
 * a client shows each run's text as text, the matching ones in a mark element.
 *
 * @param runs the runs in text order; not empty
 */
public record HighlightFragment(@JsonValue List<Run> runs) {
    /**
     * @throws IllegalArgumentException for null or no runs, or a null run
     */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public HighlightFragment {
        if (runs == null || runs.isEmpty()) {
            throw new IllegalArgumentException("a highlight fragment needs at least one run; got " + runs);
        }
        runs = List.copyOf(runs);
    }

    /**
     * A piece of the fragment's text.
     *
     * @param text  the raw text (never null)
     * @param match whether it is a match of the query
     */
    public record Run(String text, boolean match) {
        public Run {
            Objects.requireNonNull(text, "run text");
        }
    }

    /** The fragment's text: its runs' text joined. */
    public String text() {
        StringBuilder out = new StringBuilder();
        runs.forEach(run -> out.append(run.text()));
        return out.toString();
    }

    /** The matching runs' text, in order. */
    public List<String> matches() {
        List<String> out = new ArrayList<>();
        for (Run run : runs) {
            if (run.match()) {
                out.add(run.text());
            }
        }
        return List.copyOf(out);
    }

    /**
     * Builds a fragment run by run: empty text is skipped and consecutive pieces with the same flag are joined into
     * one run, so a fragment never has empty or split runs. Not thread-safe.
     */
    public static final class Builder {
        private final List<Run> runs = new ArrayList<>();
        private final StringBuilder pending = new StringBuilder();
        private boolean pendingMatch;

        /** Appends {@code text} (may be empty) as a match or not. */
        public Builder add(CharSequence text, boolean match) {
            if (text.isEmpty()) {
                return this;
            }
            if (!pending.isEmpty() && pendingMatch != match) {
                flush();
            }
            pending.append(text);
            pendingMatch = match;
            return this;
        }

        /** Whether nothing but empty text was added. */
        public boolean isEmpty() {
            return runs.isEmpty() && pending.isEmpty();
        }

        /** The fragment so far; null when nothing was added. */
        public HighlightFragment build() {
            flush();
            return runs.isEmpty() ? null : new HighlightFragment(runs);
        }

        private void flush() {
            if (!pending.isEmpty()) {
                runs.add(new Run(pending.toString(), pendingMatch));
                pending.setLength(0);
            }
        }
    }
}
