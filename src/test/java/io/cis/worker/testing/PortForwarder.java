package io.cis.worker.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A service endpoint that is unreachable until the test says otherwise: a port on 127.0.0.1 where nothing listens
 * (connection refused) until {@link #open()}, then a plain TCP relay to the real service. It stands for a VPC
 * endpoint that does not resolve yet or a service that is down, without stopping the stack's in-memory services
 * (they would come back empty, without the queues, bucket and table other tests use).
 */
public final class PortForwarder implements AutoCloseable {

    private final int port;
    private final URI target;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread thread = new Thread(r, "port-forwarder");
        thread.setDaemon(true);
        return thread;
    });
    private final List<Socket> sockets = new ArrayList<>();
    private ServerSocket server;

    public PortForwarder(URI target) throws IOException {
        this.port = Metrics.freePort();
        this.target = target;
    }

    /** The URL a client should use: this port, the target's scheme and path. */
    public String url() {
        return target.getScheme() + "://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** From now on, connections are accepted and relayed to the target. */
    public synchronized void open() {
        try {
            server = new ServerSocket();
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + port, e);
        }
        ServerSocket listening = server;
        threads.submit(() -> {
            while (!listening.isClosed()) {
                try {
                    Socket client = listening.accept();
                    Socket upstream = new Socket(target.getHost(), target.getPort());
                    synchronized (this) {
                        sockets.add(client);
                        sockets.add(upstream);
                    }
                    threads.submit(() -> pipe(client, upstream));
                    threads.submit(() -> pipe(upstream, client));
                } catch (IOException e) {
                    // closed, or the target refused: the client sees its connection closed
                }
            }
        });
    }

    private static void pipe(Socket from, Socket to) {
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            in.transferTo(out);
        } catch (IOException e) {
            // one side closed
        } finally {
            try {
                from.close();
                to.close();
            } catch (IOException ignored) {
                // nothing left to do
            }
        }
    }

    @Override
    public synchronized void close() {
        try {
            if (server != null) {
                server.close();
            }
            for (Socket socket : sockets) {
                socket.close();
            }
        } catch (IOException ignored) {
            // closing anyway
        }
        threads.shutdownNow();
    }
}
