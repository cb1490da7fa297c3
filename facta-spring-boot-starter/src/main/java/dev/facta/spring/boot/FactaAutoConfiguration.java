package dev.facta.spring.boot;

import dev.facta.InvalidInputException;
import dev.facta.command.CommandBus;
import dev.facta.command.CommandHandler;
import dev.facta.command.CommandMiddleware;
import dev.facta.command.CorrelationMiddleware;
import dev.facta.command.LoggingMiddleware;
import dev.facta.command.ValidationMiddleware;
import dev.facta.eventbus.EventBus;
import dev.facta.observability.MeteredProjection;
import dev.facta.observability.MetricsMiddleware;
import dev.facta.observability.StoreHealth;
import dev.facta.postgres.BeforeCommit;
import dev.facta.postgres.PostgresEventStore;
import dev.facta.postgres.PostgresProjectionStore;
import dev.facta.projection.InMemoryProjectionStore;
import dev.facta.projection.Projection;
import dev.facta.projection.ProjectionEngine;
import dev.facta.projection.ProjectionStore;
import dev.facta.query.QueryBus;
import dev.facta.query.QueryHandler;
import dev.facta.query.QueryInterceptor;
import dev.facta.readmodel.ReadModelStore;
import dev.facta.saga.CommandCodec;
import dev.facta.saga.ProcessManager;
import dev.facta.saga.Saga;
import dev.facta.saga.SagaRuntime;
import dev.facta.serialization.EventSerializer;
import dev.facta.spring.boot.internal.HandlerTypes;
import dev.facta.sqlite.SqliteEventStore;
import dev.facta.sqlite.SqliteProjectionStore;
import dev.facta.store.EventStore;
import dev.facta.store.EventStores;
import dev.facta.store.ForwardingEventStore;
import dev.facta.store.memory.InMemoryEventStore;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.autoconfigure.condition.AnyNestedCondition;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.ClassUtils;

import javax.sql.DataSource;

import java.util.List;
import java.util.Map;

/**
 * Wires Facta into a Spring Boot application: the event store from {@code facta.store.url}, its
 * projection and read-model stores, the command, query and event buses with the handler beans, the
 * projection engine with the {@link Projection} beans, and the saga runtime with the
 * {@link ProcessManager} and {@link Saga} beans. Every bean backs off when the application declares its
 * own of the same type.
 */
@AutoConfiguration(afterName = {
        "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration"})
@EnableConfigurationProperties(FactaProperties.class)
public class FactaAutoConfiguration {
    private static final boolean POSTGRES = ClassUtils.isPresent("dev.facta.postgres.PostgresEventStore",
            FactaAutoConfiguration.class.getClassLoader());

    /** The event store from {@code facta.store.url}; without it, memory (see {@link Postgres} for a DataSource). */
    @Bean
    @ConditionalOnMissingBean
    public EventStore factaEventStore(FactaProperties properties) {
        String url = properties.getStore().getUrl();
        return EventStores.open(url == null || url.isBlank() ? "memory:" : url);
    }

    /** Checkpoints, leases and read models, kept in the same store as the events. */
    @Bean
    @ConditionalOnMissingBean
    public ProjectionStore factaProjectionStore(EventStore store) {
        EventStore s = store;
        while (s instanceof ForwardingEventStore f) s = f.underlying();
        if (s instanceof InMemoryEventStore) return new InMemoryProjectionStore();
        if (s instanceof SqliteEventStore sqlite) return SqliteProjectionStore.on(sqlite);
        if (POSTGRES && s instanceof PostgresEventStore pg) return PostgresProjectionStore.on(pg);
        throw new InvalidInputException("facta.store.url", "no projection store for " + store.describe()
                + "; declare a ProjectionStore bean");
    }

    @Bean
    @ConditionalOnMissingBean
    public ReadModelStore factaReadModelStore(ProjectionStore projections) {
        return projections.readModels();
    }

    /** The command bus: standard middleware, then the application's CommandMiddleware beans, then the handler beans. */
    @Bean
    @ConditionalOnMissingBean
    public CommandBus factaCommandBus(FactaProperties properties, ConfigurableListableBeanFactory beans,
                                      ObjectProvider<CommandMiddleware> middleware, ObjectProvider<MeterRegistry> meters) {
        CommandBus.Builder bus = CommandBus.builder();
        if (properties.getCommands().isLogging()) bus.use(new LoggingMiddleware(), new CorrelationMiddleware());
        MeterRegistry registry = meters.getIfUnique();
        if (registry != null) bus.use(new MetricsMiddleware(registry));
        if (properties.getCommands().isValidation()) bus.use(new ValidationMiddleware());
        middleware.orderedStream().forEach(bus::use);
        register(HandlerTypes.find(beans, CommandHandler.class), bus);
        return bus.build();
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void register(Map<Class<?>, CommandHandler> handlers, CommandBus.Builder bus) {
        handlers.forEach((type, handler) -> bus.register((Class) type, handler));
    }

    /** The query bus with the QueryInterceptor and QueryHandler beans. */
    @Bean
    @ConditionalOnMissingBean
    @SuppressWarnings({"unchecked", "rawtypes"})
    public QueryBus factaQueryBus(ConfigurableListableBeanFactory beans, ObjectProvider<QueryInterceptor> interceptors) {
        QueryBus.Builder bus = QueryBus.builder();
        interceptors.orderedStream().forEach(bus::intercept);
        HandlerTypes.find(beans, QueryHandler.class).forEach((type, handler) -> bus.register((Class) type, handler));
        return bus.build();
    }

    /** The in-process event bus. */
    @Bean
    @ConditionalOnMissingBean
    public EventBus factaEventBus() {
        return new EventBus();
    }

    /** The projection engine with every Projection bean (metered when a MeterRegistry exists). */
    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnBean(Projection.class)
    public ProjectionEngine factaProjectionEngine(EventStore store, ProjectionStore projections, FactaProperties properties,
                                                  List<Projection> beans, ObjectProvider<MeterRegistry> meters) {
        ProjectionEngine.Builder engine = ProjectionEngine.builder(store, projections)
                .pollInterval(properties.getProjections().getPollInterval());
        MeterRegistry registry = meters.getIfUnique();
        for (Projection p : beans) engine.register(registry == null ? p : MeteredProjection.wrap(registry, p));
        return engine.build();
    }

    /**
     * The saga runtime with every ProcessManager and Saga bean. Issued commands are stored with the
     * CommandCodec bean, else with one over the EventSerializer bean.
     */
    @Bean
    @ConditionalOnMissingBean
    @Conditional(OnSagaBeans.class)
    public SagaRuntime factaSagaRuntime(EventStore store, ProjectionStore projections, CommandBus commands,
                                        FactaProperties properties, ObjectProvider<ProcessManager<?>> managers,
                                        ObjectProvider<Saga<?>> sagas, ObjectProvider<CommandCodec> codec,
                                        ObjectProvider<EventSerializer> serializer) {
        SagaRuntime.Builder runtime = SagaRuntime.builder(store, projections, commands)
                .pollInterval(properties.getProjections().getPollInterval());
        CommandCodec c = codec.getIfUnique();
        EventSerializer s = serializer.getIfUnique();
        if (c == null && s != null) c = CommandCodec.of(s);
        if (c != null) runtime.commandCodec(c);
        managers.orderedStream().forEach(runtime::register);
        sagas.orderedStream().forEach(runtime::register);
        return runtime.build();
    }

    /** Matches when there is a ProcessManager bean or a Saga bean (or both). */
    static class OnSagaBeans extends AnyNestedCondition {
        OnSagaBeans() {
            super(ConfigurationPhase.REGISTER_BEAN);
        }

        @ConditionalOnBean(ProcessManager.class)
        static class ProcessManagers {
        }

        @ConditionalOnBean(Saga.class)
        static class Sagas {
        }
    }

    /** Starts the projection engine and the saga runtime with the context, and stops them before the store closes. */
    @Bean
    public FactaLifecycle factaLifecycle(FactaProperties properties, ObjectProvider<ProjectionEngine> engine,
                                         ObjectProvider<SagaRuntime> sagas) {
        return new FactaLifecycle(properties.getProjections().isAutoStart(), engine, sagas);
    }

    /**
     * With facta-postgres on the class path and a DataSource bean, and no {@code facta.store.url}: the
     * PostgreSQL event store on the application's DataSource (its tables in {@code facta.store.schema}),
     * with a {@link BeforeCommit} bean, if any, run inside every append transaction, and appends made
     * inside a Spring transaction on that DataSource written in it ({@code facta.store.join-transactions}).
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "dev.facta.postgres.PostgresEventStore")
    @ConditionalOnBean(DataSource.class)
    public static class Postgres {
        private static final boolean JDBC = ClassUtils.isPresent("org.springframework.jdbc.datasource.DataSourceUtils",
                Postgres.class.getClassLoader());

        @Bean
        @ConditionalOnMissingBean
        public EventStore factaEventStore(FactaProperties properties, DataSource dataSource, ObjectProvider<BeforeCommit> hook) {
            String url = properties.getStore().getUrl();
            if (url != null && !url.isBlank()) return EventStores.open(url);
            PostgresEventStore.Builder store = PostgresEventStore.builder().dataSource(dataSource)
                    .schema(properties.getStore().getSchema()).migrate(properties.getStore().isMigrate());
            BeforeCommit h = hook.getIfUnique();
            if (h != null) store.beforeCommit(h);
            if (properties.getStore().isJoinTransactions() && JDBC) store.joinTransactions(new SpringTransactionJoin(dataSource));
            return store.build();
        }
    }

    /** Actuator health of the event store, as {@code facta} under {@code /actuator/health}. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
    public static class Health {
        @Bean
        @ConditionalOnMissingBean(name = "factaHealthIndicator")
        public FactaHealthIndicator factaHealthIndicator(EventStore store, FactaProperties properties) {
            return new FactaHealthIndicator(new StoreHealth(store, properties.getHealth().getTimeout()), store);
        }
    }
}
