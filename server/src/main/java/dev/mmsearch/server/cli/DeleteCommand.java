package dev.mmsearch.server.cli;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.Filter;
import dev.mmsearch.core.Json;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.SearchCollection;
import dev.mmsearch.server.remote.RemoteServer;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code mmsearch delete}: removes documents from a collection by id or by filter and commits. Loads no model. */
@Command(name = "delete", mixinStandardHelpOptions = true,
        description = "Delete documents from a collection by id (ids that do not exist are ignored) or by a filter"
                + " on keyword/numeric fields, e.g. --filter '{\"term\":{\"lang\":\"de\"}}'; with --server through"
                + " that server's API.")
public class DeleteCommand implements Callable<Integer> {
    @Mixin
    DataDirOption common;

    @Mixin
    ServerOptions remote;

    @Option(names = {"-c", "--collection"}, required = true, description = "Collection to delete from.")
    String collection;

    @Option(names = "--id", arity = "1..*", paramLabel = "ID", description = "Document ids to delete.")
    List<String> ids;

    @Option(names = "--filter", paramLabel = "JSON", description = "Delete every document matching this filter (the"
            + " search API's filter syntax).")
    String filter;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if ((ids == null) == (filter == null)) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "give either --id or --filter (exactly one)");
        }
        if (remote.remote()) {
            return deleteRemotely(remote.connect());
        }
        try (dev.mmsearch.core.CollectionStore store = common.openStore()) {
            SearchCollection target = store.get(collection);
            if (filter != null) {
                long matched = target.deleteMatching(Filter.parse(filterJson()));
                target.commit();
                spec.commandLine().getOut().printf("deleted %d documents matching the filter from %s; %d left%n",
                        matched, collection, target.count());
                spec.commandLine().getOut().flush();
                return 0;
            }
            int present = target.fetch(ids).size();
            target.delete(ids);
            target.commit();
            spec.commandLine().getOut().printf("deleted %d of %d ids from %s; %d documents left%n", present, ids.size(),
                    collection, target.count());
            spec.commandLine().getOut().flush();
        }
        return 0;
    }

    private tools.jackson.databind.JsonNode filterJson() {
        try {
            return Json.MAPPER.readTree(filter);
        } catch (tools.jackson.core.JacksonException e) {
            throw new MmsearchException(ErrorCode.INVALID_ARGUMENT, "--filter is not valid JSON: "
                    + e.getOriginalMessage(), e);
        }
    }

    /** --server: the same deletes through the documents API (by filter, or one DELETE per id); prints the same lines. */
    private int deleteRemotely(RemoteServer server) {
        String documents = RemoteServer.collectionPath(collection, "/documents");
        if (filter != null) {
            tools.jackson.databind.JsonNode json = filterJson();
            Filter.parse(json); // a bad filter is refused here, with the local message
            long matched = server.call("POST", documents + "/delete", "application/json",
                    Json.MAPPER.writeValueAsBytes(java.util.Map.of("filter", json))).path("deleted").asLong();
            spec.commandLine().getOut().printf("deleted %d documents matching the filter from %s; %d left%n",
                    matched, collection, documentCount(server));
            spec.commandLine().getOut().flush();
            return 0;
        }
        int present = 0;
        for (String id : ids) {
            tools.jackson.databind.JsonNode answer = server.call("DELETE", documents + "/" + RemoteServer.segment(id),
                    null, null);
            present += "deleted".equals(answer.path("result").asString()) ? 1 : 0;
        }
        spec.commandLine().getOut().printf("deleted %d of %d ids from %s; %d documents left%n", present, ids.size(),
                collection, documentCount(server));
        spec.commandLine().getOut().flush();
        return 0;
    }

    private long documentCount(RemoteServer server) {
        return server.call("GET", RemoteServer.collectionPath(collection, ""), null, null).path("documentCount")
                .asLong();
    }
}
