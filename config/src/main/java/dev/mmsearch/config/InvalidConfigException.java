package dev.mmsearch.config;

import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.MmsearchException;
import java.util.List;

/**
 * An experiment config that cannot be used. The message lists every problem found, each
 * starting with the path of the offending value (e.g. {@code scenes.qa.layers[1].arms[0].weight})
 * and ending with its line in the source where the parser knows it.
 */
public class InvalidConfigException extends MmsearchException {
    private final String source;
    private final List<String> problems;

    public InvalidConfigException(String source, List<String> problems) {
        super(ErrorCode.INVALID_ARGUMENT, "invalid experiment config (" + source + "): " + String.join("; ", problems));
        this.source = source;
        this.problems = List.copyOf(problems);
    }

    /** Where the text came from (a file path, a znode, "inline"). */
    public String source() {
        return source;
    }

    /** One entry per problem, in document order. */
    public List<String> problems() {
        return problems;
    }
}
