package io.strata.boot;

import io.strata.replication.ConsistencyToken;
import java.io.IOException;
import org.springframework.http.HttpRequest;
import org.springframework.http.client.ClientHttpRequestExecution;
import org.springframework.http.client.ClientHttpRequestInterceptor;
import org.springframework.http.client.ClientHttpResponse;

/**
 * Carries read-your-writes to another service: adds the current thread's token (see
 * {@link ConsistencyTokenContext}) to outgoing {@code RestClient} / {@code RestTemplate} requests,
 * and merges the token the other service answers with back into it. The starter adds it to every
 * {@code RestClient.Builder} and {@code RestTemplateBuilder} Boot hands out.
 */
public final class ConsistencyTokenInterceptor implements ClientHttpRequestInterceptor {

    private final ConsistencyTokenContext context;
    private final String header;

    /** An interceptor sending {@code context}'s token in {@code header}. */
    public ConsistencyTokenInterceptor(ConsistencyTokenContext context, String header) {
        this.context = context;
        this.header = header;
    }

    @Override
    public ClientHttpResponse intercept(HttpRequest request, byte[] body, ClientHttpRequestExecution execution)
            throws IOException {
        ConsistencyToken token = context.current();
        if (!token.isEmpty() && !request.getHeaders().containsKey(header)) {
            request.getHeaders().set(header, token.toString());
        }
        ClientHttpResponse response = execution.execute(request, body);
        String answered = response.getHeaders().getFirst(header);
        if (answered != null && !answered.isBlank()) {
            try {
                context.observe(ConsistencyToken.parse(answered.trim()));
            } catch (IllegalArgumentException e) {
                // Another service's malformed token: not ours to trust; ours stays as it was.
            }
        }
        return response;
    }
}
