package io.strata.boot;

import io.strata.replication.ConsistencyToken;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import org.jspecify.annotations.Nullable;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Read-your-writes across HTTP requests and services: opens a {@link ConsistencyTokenContext}
 * scope for each request, starting from the token the request carries (header, cookie and/or
 * session attribute, merged), and writes the token back, raised by every commit of the request,
 * to the response header (and cookie / session when configured) as soon as it changes, before the
 * response is committed. A client (browser, another service) that sends the token back gets reads
 * that see its own writes, whichever instance serves it. A token that cannot be parsed is refused
 * with 400 rather than ignored (ignoring it would silently weaken the guarantee).
 */
public final class ConsistencyTokenFilter extends OncePerRequestFilter {

    /** Session attribute that holds the token when the session carries it. */
    public static final String SESSION_ATTRIBUTE = ConsistencyTokenFilter.class.getName() + ".TOKEN";

    private final ConsistencyTokenContext context;
    private final StrataProperties.ConsistencyTokenSettings settings;

    /** A filter that opens scopes of {@code context}, carrying tokens as {@code settings} say. */
    public ConsistencyTokenFilter(ConsistencyTokenContext context, StrataProperties.ConsistencyTokenSettings settings) {
        this.context = context;
        this.settings = settings;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        ConsistencyToken start;
        try {
            start = incoming(request);
        } catch (IllegalArgumentException e) {
            response.sendError(
                    HttpServletResponse.SC_BAD_REQUEST,
                    "Strata: the consistency token (header " + settings.getHeader() + ") cannot be read: "
                            + e.getMessage() + ". Send back the token a response gave, or none.");
            return;
        }
        if (!start.isEmpty()) {
            response.setHeader(settings.getHeader(), start.toString());
        }
        try (ConsistencyTokenContext.Scope ignored = context.open(start, token -> outgoing(request, response, token))) {
            chain.doFilter(request, response);
        }
    }

    private ConsistencyToken incoming(HttpServletRequest request) {
        ConsistencyToken token = ConsistencyToken.empty();
        String header = request.getHeader(settings.getHeader());
        if (header != null && !header.isBlank()) {
            token = token.merge(ConsistencyToken.parse(header.trim()));
        }
        String cookieName = settings.getCookie();
        if (!cookieName.isEmpty() && request.getCookies() != null) {
            for (Cookie c : request.getCookies()) {
                if (c.getName().equals(cookieName) && !c.getValue().isEmpty()) {
                    token = token.merge(ConsistencyToken.parse(c.getValue()));
                }
            }
        }
        if (settings.isSession()) {
            HttpSession session = request.getSession(false);
            Object kept = session == null ? null : session.getAttribute(SESSION_ATTRIBUTE);
            if (kept instanceof String s && !s.isEmpty()) {
                token = token.merge(ConsistencyToken.parse(s));
            }
        }
        return token;
    }

    private void outgoing(HttpServletRequest request, HttpServletResponse response, ConsistencyToken token) {
        String value = token.toString();
        if (!response.isCommitted()) {
            response.setHeader(settings.getHeader(), value);
            String cookieName = settings.getCookie();
            if (!cookieName.isEmpty()) {
                Cookie cookie = new Cookie(cookieName, value);
                cookie.setPath(cookiePath(request));
                cookie.setHttpOnly(true);
                response.addCookie(cookie);
            }
        }
        if (settings.isSession()) {
            HttpSession session = request.getSession(!response.isCommitted());
            if (session != null) {
                session.setAttribute(SESSION_ATTRIBUTE, value);
            }
        }
    }

    private static String cookiePath(HttpServletRequest request) {
        @Nullable String path = request.getContextPath();
        return path == null || path.isEmpty() ? "/" : path;
    }
}
