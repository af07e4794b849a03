package io.strata.cache.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.strata.cache.Codec;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * JSON through Jackson into one declared type. Default typing stays off (no class names in the
 * payload, so remote bytes cannot choose what gets instantiated); trailing tokens are rejected.
 */
public final class JsonCodec<T> implements Codec<T> {

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .findAndAddModules()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private final Class<T> type;

    public JsonCodec(Class<T> type) {
        this.type = type;
    }

    @Override
    public byte[] encode(T value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(
                    "cannot encode " + type.getName() + " as JSON: " + e.getOriginalMessage(), e);
        }
    }

    @Override
    public T decode(byte[] bytes) {
        try {
            T value = MAPPER.readValue(bytes, type);
            if (value == null) {
                throw new IllegalArgumentException("JSON null is not a " + type.getName());
            }
            return value;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String toString() {
        return "JsonCodec[" + type.getName() + "]";
    }
}
