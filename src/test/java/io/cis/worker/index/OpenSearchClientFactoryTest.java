package io.cis.worker.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import org.apache.hc.core5.http.HttpHost;
import org.junit.jupiter.api.Test;

class OpenSearchClientFactoryTest {

    @Test
    void defaultPortsFollowTheScheme() {
        assertEquals(new HttpHost("https", "search.example.com", 443),
                OpenSearchClientFactory.hostOf(URI.create("https://search.example.com")));
        assertEquals(new HttpHost("http", "127.0.0.1", 80), OpenSearchClientFactory.hostOf(URI.create("http://127.0.0.1")));
        assertEquals(new HttpHost("http", "127.0.0.1", 29200),
                OpenSearchClientFactory.hostOf(URI.create("http://127.0.0.1:29200/")));
    }

    @Test
    void badEndpointsAreRefusedWithTheReason() {
        IllegalArgumentException scheme = assertThrows(IllegalArgumentException.class,
                () -> OpenSearchClientFactory.hostOf(URI.create("ftp://host:21")));
        assertTrue(scheme.getMessage().contains("http:// or https://"), scheme.getMessage());

        IllegalArgumentException noScheme = assertThrows(IllegalArgumentException.class,
                () -> OpenSearchClientFactory.hostOf(URI.create("localhost:9200")));
        assertTrue(noScheme.getMessage().contains("http:// or https://"), noScheme.getMessage());

        IllegalArgumentException credentials = assertThrows(IllegalArgumentException.class,
                () -> OpenSearchClientFactory.hostOf(URI.create("https://admin:secret@host")));
        assertFalse(credentials.getMessage().contains("secret"), "the password must not be echoed");
    }

    @Test
    void timeoutsMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new OpenSearchClientFactory(
                URI.create("http://127.0.0.1:9200"), OpenSearchAuth.none(), true, Duration.ZERO, Duration.ofSeconds(1)));
    }

    @Test
    void basicAuthNeverPrintsThePassword() {
        OpenSearchAuth auth = OpenSearchAuth.basic("worker", "hunter2");
        OpenSearchClientFactory factory = new OpenSearchClientFactory(URI.create("https://host"), auth);
        assertFalse(auth.toString().contains("hunter2"));
        assertFalse(factory.toString().contains("hunter2"));
        assertTrue(factory.toString().contains("worker"));
    }
}
