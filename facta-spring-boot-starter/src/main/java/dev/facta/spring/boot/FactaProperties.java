package dev.facta.spring.boot;

import org.springframework.boot.context.properties.ConfigurationProperties;

import java.time.Duration;

/** Facta's settings under {@code facta.*} in {@code application.properties} or {@code application.yml}. */
@ConfigurationProperties("facta")
public class FactaProperties {

    private final Store store = new Store();
    private final Projections projections = new Projections();
    private final Health health = new Health();
    private final Commands commands = new Commands();

    public Store getStore() {
        return store;
    }

    public Projections getProjections() {
        return projections;
    }

    public Health getHealth() {
        return health;
    }

    public Commands getCommands() {
        return commands;
    }

    /** Where events are kept. */
    public static class Store {
        /**
         * The event store URL: memory:, sqlite:PATH, postgresql://user@host:port/db or a JDBC URL of those.
         * When unset, Facta uses the application's DataSource (PostgreSQL) if there is one, else memory:.
         */
        private String url;
        /** Schema of Facta's tables when the store runs on the application's DataSource. */
        private String schema = "public";
        /** Whether opening a store on the application's DataSource applies Facta's pending schema migrations. */
        private boolean migrate = true;
        /**
         * Whether appends made inside a Spring transaction on the application's DataSource join it
         * (commit and roll back with it) when the store runs on that DataSource.
         */
        private boolean joinTransactions = true;

        public boolean isJoinTransactions() {
            return joinTransactions;
        }

        public void setJoinTransactions(boolean joinTransactions) {
            this.joinTransactions = joinTransactions;
        }

        public String getUrl() {
            return url;
        }

        public void setUrl(String url) {
            this.url = url;
        }

        public String getSchema() {
            return schema;
        }

        public void setSchema(String schema) {
            this.schema = schema;
        }

        public boolean isMigrate() {
            return migrate;
        }

        public void setMigrate(boolean migrate) {
            this.migrate = migrate;
        }
    }

    /** The projection engine and the process managers. */
    public static class Projections {
        /** Whether projections and process managers start with the application context. */
        private boolean autoStart = true;
        /** How often idle projections look for new events when the store gives no wake-up. */
        private Duration pollInterval = Duration.ofMillis(200);

        public boolean isAutoStart() {
            return autoStart;
        }

        public void setAutoStart(boolean autoStart) {
            this.autoStart = autoStart;
        }

        public Duration getPollInterval() {
            return pollInterval;
        }

        public void setPollInterval(Duration pollInterval) {
            this.pollInterval = pollInterval;
        }
    }

    /** The Actuator health indicator of the event store. */
    public static class Health {
        /** How long the store's health check may take before the store counts as down. */
        private Duration timeout = Duration.ofSeconds(2);

        public Duration getTimeout() {
            return timeout;
        }

        public void setTimeout(Duration timeout) {
            this.timeout = timeout;
        }
    }

    /** The command bus's standard middleware. */
    public static class Commands {
        /** Whether commands pass the logging and correlation middleware. */
        private boolean logging = true;
        /** Whether commands that implement Validatable are validated before their handler runs. */
        private boolean validation = true;

        public boolean isLogging() {
            return logging;
        }

        public void setLogging(boolean logging) {
            this.logging = logging;
        }

        public boolean isValidation() {
            return validation;
        }

        public void setValidation(boolean validation) {
            this.validation = validation;
        }
    }
}
