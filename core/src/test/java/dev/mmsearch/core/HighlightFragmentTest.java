package dev.mmsearch.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mmsearch.core.HighlightFragment.Run;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.core.type.TypeReference;

class HighlightFragmentTest {
    @Test
    void isThePlainArrayOfItsRunsInJsonAndReadsBack() {
        HighlightFragment fragment = new HighlightFragment(List.of(new Run("a <b> & \"c\" ", false), new Run("runs", true)));
        String json = Json.MAPPER.writeValueAsString(Map.of("text", List.of(fragment)));
        assertThat(json).isEqualTo("{\"text\":[[{\"text\":\"a <b> & \\\"c\\\" \",\"match\":false},"
                + "{\"text\":\"runs\",\"match\":true}]]}");
        Map<String, List<HighlightFragment>> read = Json.MAPPER.readValue(json,
                new TypeReference<Map<String, List<HighlightFragment>>>() {
                });
        assertThat(read).isEqualTo(Map.of("text", List.of(fragment)));
    }

    @Test
    void textJoinsTheRunsAndMatchesListsTheMarkedOnes() {
        HighlightFragment fragment = new HighlightFragment(List.of(new Run("She ", false), new Run("runs", true),
                new Run(" & ", false), new Run("jumps", true)));
        assertThat(fragment.text()).isEqualTo("She runs & jumps");
        assertThat(fragment.matches()).containsExactly("runs", "jumps");
    }

    @Test
    void builderSkipsEmptyTextAndJoinsPiecesWithTheSameFlag() {
        HighlightFragment fragment = new HighlightFragment.Builder().add("", true).add("a ", false).add("b", false)
                .add("c", true).add("", false).add("d", true).add(" e", false).build();
        assertThat(fragment.runs()).containsExactly(new Run("a b", false), new Run("cd", true), new Run(" e", false));
        assertThat(new HighlightFragment.Builder().add("", false).build()).isNull();
    }

    @Test
    void needsRuns() {
        assertThatThrownBy(() -> new HighlightFragment(List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new HighlightFragment(null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Run(null, true)).isInstanceOf(NullPointerException.class);
    }
}
