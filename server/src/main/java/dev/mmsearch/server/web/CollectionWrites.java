package dev.mmsearch.server.web;

import dev.mmsearch.core.GroupCommit;
import dev.mmsearch.core.SearchCollection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;

/**
 * The one {@link GroupCommit} of each open collection, shared by every controller that writes (JSON documents,
 * image uploads, deletes): one group commit batches all of a collection's writes into the same commits, and one
 * orders its conditional writes ({@code If-Match}, patches) against all the others. A re-indexed or re-created
 * collection is another instance and gets a new one, which drops the old instance's, so the map holds one entry per
 * collection name written to. Instances are compared with {@code equals}: a store may hand out a new object per
 * lookup for the same open collection (the OpenSearch store does, and defines equality per index).
 */
@Component
class CollectionWrites {
    private record Open(SearchCollection collection, GroupCommit commits) {
    }

    private final Map<String, Open> open = new ConcurrentHashMap<>();

    GroupCommit commitsOf(SearchCollection collection) {
        return open.compute(collection.name(), (name, current) -> current != null
                && current.collection().equals(collection) ? current : new Open(collection, new GroupCommit(collection)))
                .commits();
    }
}
