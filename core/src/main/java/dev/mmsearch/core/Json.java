package dev.mmsearch.core;

import tools.jackson.databind.json.JsonMapper;

/** The one JSON mapper configuration shared by every module (immutable, thread-safe). */
public final class Json {
    public static final JsonMapper MAPPER = JsonMapper.builder().build();

    private Json() {
    }
}
