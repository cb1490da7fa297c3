package dev.facta.cli;

import dev.facta.FactaException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;

/**
 * The Facta libraries this CLI runs on, and putting them into a local Maven repository so that the
 * projects {@code facta init} creates can build: Facta is not on Maven Central, so a new project's
 * {@code dev.facta} dependencies must already be in {@code ~/.m2/repository}.
 *
 * <p>Each library is the very jar on the CLI's class path (found through one of its classes), with the
 * pom Maven packed into it ({@code META-INF/maven/dev.facta/<artifact>/pom.xml}); the parent pom they
 * inherit their dependency versions from is packed into the CLI's own jar at build time. Installing
 * writes the standard layout that {@code mvn install:install-file} writes
 * ({@code dev/facta/<artifact>/<version>/<artifact>-<version>.jar} and {@code .pom}, marked as
 * locally installed), each file moved into place atomically; an artifact already there is left alone.
 */
final class FactaArtifacts {
    static final String GROUP_ID = "dev.facta";
    static final String PARENT = "facta-parent";
    /** The bundled copy of the repository's root pom, and the Maven wrapper next to it. */
    static final String CHECKOUT = "/dev/facta/cli/checkout/";

    /** A library and one class of it, by which its jar is found on the class path. */
    private static final Map<String, String> LIBRARIES = new LinkedHashMap<>();

    static {
        LIBRARIES.put("facta-core", "dev/facta/store/EventStore.class");
        LIBRARIES.put("facta-test", "dev/facta/test/DeciderFixture.class");
        LIBRARIES.put("facta-jackson", "dev/facta/jackson/JacksonEventSerializer.class");
        LIBRARIES.put("facta-sqlite", "dev/facta/sqlite/SqliteEventStore.class");
        LIBRARIES.put("facta-postgres", "dev/facta/postgres/PostgresEventStore.class");
        LIBRARIES.put("facta-observability", "dev/facta/observability/StoreHealth.class");
    }

    /** One artifact to install: its id, its pom's text, and its jar (null for the parent pom). */
    record Artifact(String artifactId, String pom, Path jar) {
    }

    private FactaArtifacts() {
    }

    /** The parent pom this CLI was built with (the repository's root pom). */
    static String parentPom() {
        return resource(CHECKOUT + "pom.xml");
    }

    /** The Facta version this CLI was built as. */
    static String version() {
        return Version.VALUE;
    }

    private static final class Version {
        static final String VALUE = ParentPom.of(parentPom()).version();
    }

    /** The parent and every Facta library a project may use, as found on the CLI's class path. */
    static List<Artifact> onClassPath() {
        List<Artifact> out = new ArrayList<>();
        out.add(new Artifact(PARENT, parentPom(), null));
        ClassLoader loader = FactaArtifacts.class.getClassLoader();
        for (Map.Entry<String, String> lib : LIBRARIES.entrySet()) {
            URL url = loader.getResource(lib.getValue());
            if (url == null) {
                throw new FactaException("cannot find " + lib.getKey() + " on the facta command's class path; rebuild it with"
                        + " './mvnw -DskipTests install -pl facta-cli -am' in the Facta repository");
            }
            out.add(locate(lib.getKey(), url));
        }
        return out;
    }

    /** The jar a class resource came from and the pom inside it; a class folder of a module build is traced to its jar. */
    private static Artifact locate(String artifactId, URL url) {
        try {
            if ("jar".equals(url.getProtocol())) {
                String spec = url.getFile();
                Path jar = Path.of(new URL(spec.substring(0, spec.indexOf("!/"))).toURI());
                return new Artifact(artifactId, pomInJar(jar, artifactId), jar);
            }
            if ("file".equals(url.getProtocol())) {
                // target/classes of a module built in this checkout: its pom is two levels up, its jar in target/
                Path classes = Path.of(url.toURI());
                while (classes != null && !isTargetClasses(classes)) classes = classes.getParent();
                if (classes != null) {
                    Path target = classes.getParent();
                    Path pom = target.getParent().resolve("pom.xml");
                    Path jar = target.resolve(artifactId + "-" + version() + ".jar");
                    if (Files.isRegularFile(jar) && Files.isRegularFile(pom)) {
                        return new Artifact(artifactId, Files.readString(pom), jar);
                    }
                }
                throw new FactaException(artifactId + " is on the class path as classes, not as a jar (" + url
                        + "); package it first: './mvnw -DskipTests install' in the Facta repository");
            }
        } catch (URISyntaxException | IOException e) {
            throw new FactaException("cannot read " + artifactId + " from " + url + ": " + e.getMessage(), e);
        }
        throw new FactaException("cannot read " + artifactId + " from " + url + ": not a file or a jar");
    }

    private static boolean isTargetClasses(Path p) {
        Path parent = p.getParent();
        return p.getFileName() != null && p.getFileName().toString().equals("classes")
                && parent != null && parent.getFileName() != null && parent.getFileName().toString().equals("target");
    }

    private static String pomInJar(Path jar, String artifactId) throws IOException {
        try (JarFile file = new JarFile(jar.toFile())) {
            ZipEntry entry = file.getEntry("META-INF/maven/" + GROUP_ID + "/" + artifactId + "/pom.xml");
            if (entry == null) throw new FactaException(jar + " holds no pom for " + artifactId);
            try (InputStream in = file.getInputStream(entry)) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        }
    }

    /**
     * The local repository Maven uses: {@code -Dmaven.repo.local} when this JVM was given one, else the
     * {@code <localRepository>} of {@code ~/.m2/settings.xml}, else {@code ~/.m2/repository}.
     */
    static Path defaultLocalRepository() {
        String property = System.getProperty("maven.repo.local");
        if (property != null && !property.isBlank()) return Path.of(property);
        Path home = Path.of(System.getProperty("user.home"));
        Path settings = home.resolve(".m2/settings.xml");
        if (Files.isRegularFile(settings)) {
            try {
                DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
                f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
                f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
                Document doc = f.newDocumentBuilder().parse(settings.toFile());
                NodeList nodes = doc.getDocumentElement().getElementsByTagName("localRepository");
                if (nodes.getLength() > 0) {
                    String text = nodes.item(0).getTextContent().strip()
                            .replace("${user.home}", home.toString());
                    if (!text.isEmpty()) return Path.of(text);
                }
            } catch (Exception e) {
                throw new FactaException("cannot read " + settings + ": " + e.getMessage(), e);
            }
        }
        return home.resolve(".m2/repository");
    }

    /** Where an artifact's files go in a local repository. */
    static Path directory(Path repository, String artifactId, String version) {
        return repository.resolve(GROUP_ID.replace('.', '/')).resolve(artifactId).resolve(version);
    }

    /**
     * Installs every artifact not yet in {@code repository} and returns the ids of those installed
     * (empty when all were there).
     */
    static List<String> installMissing(List<Artifact> artifacts, Path repository) {
        String version = version();
        List<String> installed = new ArrayList<>();
        for (Artifact a : artifacts) {
            Path dir = directory(repository, a.artifactId(), version);
            String base = a.artifactId() + "-" + version;
            Path pom = dir.resolve(base + ".pom");
            Path jar = dir.resolve(base + ".jar");
            if (Files.isRegularFile(pom) && (a.jar() == null || Files.isRegularFile(jar))) continue;
            try {
                Files.createDirectories(dir);
                if (a.jar() != null) copyAtomically(a.jar(), jar);
                writeAtomically(pom, a.pom());
                markInstalled(dir, base, a.jar() != null);
                writeMetadata(repository, dir, a.artifactId(), version, a.jar() != null);
            } catch (IOException e) {
                throw new FactaException("cannot install " + GROUP_ID + ":" + a.artifactId() + ":" + version + " into " + repository
                        + ": " + e.getMessage(), e);
            }
            installed.add(a.artifactId());
        }
        return installed;
    }

    /** {@code _remote.repositories}: the files were installed here, not downloaded from a remote repository. */
    private static void markInstalled(Path dir, String base, boolean hasJar) throws IOException {
        Path marker = dir.resolve("_remote.repositories");
        List<String> lines = Files.exists(marker) ? new ArrayList<>(Files.readAllLines(marker)) : new ArrayList<>();
        List<String> wanted = hasJar ? List.of(base + ".jar>=", base + ".pom>=") : List.of(base + ".pom>=");
        boolean changed = false;
        for (String w : wanted) {
            if (!lines.contains(w)) {
                lines.add(w);
                changed = true;
            }
        }
        if (changed) writeAtomically(marker, String.join("\n", lines) + "\n");
    }

    private static void writeMetadata(Path repository, Path dir, String artifactId, String version, boolean hasJar) throws IOException {
        String now = DateTimeFormatter.ofPattern("yyyyMMddHHmmss").format(ZonedDateTime.now(ZoneOffset.UTC));
        Path versionMetadata = dir.resolve("maven-metadata-local.xml");
        if (!Files.exists(versionMetadata)) {
            StringBuilder snapshots = new StringBuilder();
            for (String ext : hasJar ? List.of("pom", "jar") : List.of("pom")) {
                snapshots.append("      <snapshotVersion>\n        <extension>").append(ext).append("</extension>\n")
                        .append("        <value>").append(version).append("</value>\n")
                        .append("        <updated>").append(now).append("</updated>\n      </snapshotVersion>\n");
            }
            writeAtomically(versionMetadata, """
                    <?xml version="1.0" encoding="UTF-8"?>
                    <metadata modelVersion="1.1.0">
                      <groupId>%s</groupId>
                      <artifactId>%s</artifactId>
                      <versioning>
                        <lastUpdated>%s</lastUpdated>
                        <snapshot>
                          <localCopy>true</localCopy>
                        </snapshot>
                        <snapshotVersions>
                    %s    </snapshotVersions>
                      </versioning>
                      <version>%s</version>
                    </metadata>
                    """.formatted(GROUP_ID, artifactId, now, snapshots, version));
        }
        Path artifactMetadata = dir.getParent().resolve("maven-metadata-local.xml");
        if (!Files.exists(artifactMetadata)) {
            writeAtomically(artifactMetadata, """
                    <?xml version="1.0" encoding="UTF-8"?>
                    <metadata>
                      <groupId>%s</groupId>
                      <artifactId>%s</artifactId>
                      <versioning>
                        <versions>
                          <version>%s</version>
                        </versions>
                        <lastUpdated>%s</lastUpdated>
                      </versioning>
                    </metadata>
                    """.formatted(GROUP_ID, artifactId, version, now));
        }
    }

    private static void copyAtomically(Path from, Path to) throws IOException {
        Path tmp = Files.createTempFile(to.getParent(), "." + to.getFileName(), ".tmp");
        try {
            Files.copy(from, tmp, StandardCopyOption.REPLACE_EXISTING);
            Files.move(tmp, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static void writeAtomically(Path to, String text) throws IOException {
        Path tmp = Files.createTempFile(to.getParent(), "." + to.getFileName(), ".tmp");
        try {
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            Files.move(tmp, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** A bundled resource of the CLI as text. */
    static String resource(String name) {
        try (InputStream in = FactaArtifacts.class.getResourceAsStream(name)) {
            if (in == null) throw new FactaException("the facta command lacks its resource " + name + "; rebuild it");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What new projects take from the parent pom: the version and the versions of the build's plugins and JUnit. */
    record ParentPom(String version, String junitVersion, Map<String, String> pluginVersions) {
        static ParentPom of(String pomText) {
            try {
                DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
                f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
                f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
                Element root = f.newDocumentBuilder()
                        .parse(new java.io.ByteArrayInputStream(pomText.getBytes(StandardCharsets.UTF_8))).getDocumentElement();
                String version = child(root, "version");
                Element properties = childElement(root, "properties");
                String junit = properties == null ? null : child(properties, "junit.version");
                Map<String, String> plugins = new LinkedHashMap<>();
                NodeList list = root.getElementsByTagName("plugin");
                for (int i = 0; i < list.getLength(); i++) {
                    Element p = (Element) list.item(i);
                    String id = child(p, "artifactId");
                    String v = child(p, "version");
                    if (id != null && v != null) plugins.put(id, v);
                }
                if (version == null || junit == null) throw new FactaException("the bundled parent pom lacks its version or junit.version");
                return new ParentPom(version, junit, plugins);
            } catch (FactaException e) {
                throw e;
            } catch (Exception e) {
                throw new FactaException("cannot read the bundled parent pom: " + e.getMessage(), e);
            }
        }

        /** The version of a plugin in the parent's plugin management. */
        String plugin(String artifactId) {
            String v = pluginVersions.get(artifactId);
            if (v == null) throw new FactaException("the bundled parent pom names no version of " + artifactId);
            return v;
        }

        private static Element childElement(Element parent, String name) {
            for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
                if (n instanceof Element e && e.getTagName().equals(name)) return e;
            }
            return null;
        }

        private static String child(Element parent, String name) {
            Element e = childElement(parent, name);
            return e == null ? null : e.getTextContent().strip();
        }
    }
}
