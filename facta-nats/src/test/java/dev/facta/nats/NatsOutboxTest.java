package dev.facta.nats;

import dev.facta.outbox.Inbox;
import dev.facta.outbox.InboxHandler;
import dev.facta.outbox.OutboxBrokerContract;
import dev.facta.outbox.OutboxPublisher;
import dev.facta.store.EventData;
import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The outbox contract against the local NATS server with JetStream (127.0.0.1:4222): a JetStream
 * stream per test, with its own subject prefix, deleted afterwards.
 */
class NatsOutboxTest extends OutboxBrokerContract {
    private static final InetSocketAddress BROKER = new InetSocketAddress("127.0.0.1", 4222);
    private static final int MAX_MSG_SIZE = 4096;
    private static Connection admin;

    @BeforeAll
    static void connect() throws Exception {
        assumeReachable(BROKER, "NATS with JetStream");
        admin = Nats.connect(NatsPublisher.options("nats://127.0.0.1:4222"));
    }

    @AfterAll
    static void disconnect() throws Exception {
        if (admin != null) admin.close();
    }

    private static StreamConfiguration config(String name, long maxMsgSize) {
        return StreamConfiguration.builder().name(name).subjects(name + ".>").storageType(StorageType.File)
                .duplicateWindow(Duration.ofMinutes(2)).maxMsgSize(maxMsgSize).build();
    }

    @Override
    protected InetSocketAddress brokerAddress() {
        return BROKER;
    }

    @Override
    protected void createDestination(String name) throws Exception {
        admin.jetStreamManagement().addStream(config(name, MAX_MSG_SIZE));
    }

    @Override
    protected void deleteDestination(String name) throws Exception {
        admin.jetStreamManagement().deleteStream(name);
    }

    @Override
    protected OutboxPublisher publisher(String name, InetSocketAddress via) throws Exception {
        return NatsPublisher.builder("nats://127.0.0.1:" + via.getPort()).subjects(NatsSubjects.byStream(name))
                .expectedStream(name).build();
    }

    @Override
    protected AutoCloseable consume(String name, Inbox inbox, InboxHandler handler) {
        return NatsSubscriber.builder(admin, name, "consumer", inbox, handler).start();
    }

    @Override
    protected String poisonStream() {
        return "order-poison";
    }

    @Override
    protected EventData poisonEvent() {
        return EventData.of("Huge", "{\"blob\":\"" + "x".repeat(MAX_MSG_SIZE * 2) + "\"}");
    }

    @Override
    protected void acceptPoison(String name) throws Exception {
        admin.jetStreamManagement().updateStream(config(name, -1));
    }

    @Test
    void jetStreamStoresAMessageSentTwiceOnce() throws Exception {
        startConsumer();
        append("order-1", event(0));
        append("order-1", event(1));
        java.util.concurrent.atomic.AtomicBoolean failed = new java.util.concurrent.atomic.AtomicBoolean();
        var dying = start(relay(counted(BROKER)).onDelivered(b -> {
            failed.set(true);
            throw new IllegalStateException("killed");
        }).build());
        await("acknowledged", Duration.ofSeconds(20), failed::get);
        dying.close();
        start(relay(counted(BROKER)).build());
        await("checkpoint", Duration.ofSeconds(20), () -> store.list().getFirst().checkpoints().getFirst() == 2L);
        JetStreamManagement jsm = admin.jetStreamManagement();
        assertThat(jsm.getStreamInfo(name).getStreamState().getMsgCount()).isEqualTo(2); // deduplicated by Nats-Msg-Id
        assertThat(sends.values()).allSatisfy(n -> assertThat(n.get()).isGreaterThanOrEqualTo(2));
    }
}
