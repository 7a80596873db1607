package dev.mmsearch.retrieval;

import dev.mmsearch.core.Document;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.FieldValues;
import dev.mmsearch.core.Hit;
import dev.mmsearch.core.MmsearchException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Collapses a ranked list by a keyword field ({@link SearchQuery#groupBy()}), as Elasticsearch's {@code collapse} and
 * Qdrant's {@code group_by} do: the best-ranked candidate of each value stays, in rank order, and the others of that
 * value go; each kept hit says its group's value and how many ranked candidates it stands for ({@value #GROUP_FIELD}).
 * A candidate without a value in the field is its own group (kept, not merged with the others without one); a
 * multi-valued field groups by its first value. The documents are read once, from the request's view. (Passages
 * need no grouping here: the store already returns one hit per document.)
 */
final class Grouping {
    /** Field holding, in a hit of a grouped search, {@code {"field", "value", "size"}}. */
    static final String GROUP_FIELD = "_group";

    /** The kept candidates, in rank order, and each kept id's group. */
    record Collapsed(List<Candidate> kept, Map<String, Group> groups) {
    }

    /** A group: its value (null when the candidate has none) and how many ranked candidates it holds. */
    record Group(String value, int size) {
    }

    private Grouping() {
    }

    /**
     * @throws MmsearchException INVALID_ARGUMENT when {@code field} is not a keyword field of the collection
     */
    static Collapsed collapse(RequestContext context, List<Candidate> ranked, String field) {
        List<String> keywords = context.collection().schema().keywordFields();
        if (!keywords.contains(field)) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "groupBy '" + field + "' is not a keyword field of"
                    + " collection '" + context.collection().name() + "'; its keyword fields: " + keywords);
        }
        Map<String, Document> documents = context.view().fetch(ranked.stream().map(Candidate::ref).toList());
        List<Candidate> kept = new ArrayList<>();
        Map<String, String> firstOf = new HashMap<>(); // value -> id of the kept candidate
        Map<String, int[]> sizes = new LinkedHashMap<>();
        Map<String, String> valueOf = new HashMap<>();
        for (Candidate candidate : ranked) {
            Document document = documents.get(candidate.id());
            List<String> values = document == null ? List.of() : FieldValues.strings(document.fields().get(field));
            String value = values.isEmpty() ? null : values.getFirst();
            String owner = value == null ? null : firstOf.putIfAbsent(value, candidate.id());
            if (owner == null) {
                kept.add(candidate);
                sizes.put(candidate.id(), new int[] {1});
                valueOf.put(candidate.id(), value);
            } else {
                sizes.get(owner)[0]++;
            }
        }
        Map<String, Group> groups = new HashMap<>();
        sizes.forEach((id, size) -> groups.put(id, new Group(valueOf.get(id), size[0])));
        return new Collapsed(List.copyOf(kept), Collections.unmodifiableMap(groups));
    }

    /** {@code hits} with their group under {@value #GROUP_FIELD}. */
    static List<Hit> annotate(List<Hit> hits, String field, Map<String, Group> groups) {
        List<Hit> out = new ArrayList<>(hits.size());
        for (Hit hit : hits) {
            Group group = groups.get(hit.id());
            if (group == null) {
                out.add(hit);
                continue;
            }
            Map<String, Object> fields = new LinkedHashMap<>(hit.fields());
            Map<String, Object> node = new LinkedHashMap<>();
            node.put("field", field);
            node.put("value", group.value());
            node.put("size", group.size());
            fields.put(GROUP_FIELD, Collections.unmodifiableMap(node));
            out.add(new Hit(hit.id(), hit.rank(), hit.score(), hit.scores(), Collections.unmodifiableMap(fields)));
        }
        return out;
    }
}
