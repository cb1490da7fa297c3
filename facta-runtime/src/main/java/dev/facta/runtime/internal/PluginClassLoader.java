package dev.facta.runtime.internal;

import java.net.URL;
import java.net.URLClassLoader;

/**
 * The class loader of one plugin jar: the jar's own classes come first (a plugin may bundle its
 * own versions of libraries), but the JDK and Facta's packages ({@code dev.facta.}) always come
 * from the parent, so that the runtime's API types are the same classes on both sides.
 */
public final class PluginClassLoader extends URLClassLoader {
    static {
        ClassLoader.registerAsParallelCapable();
    }

    public PluginClassLoader(String name, URL jar, ClassLoader parent) {
        super(name, new URL[]{jar}, parent);
    }

    private static boolean shared(String name) {
        return name.startsWith("java.") || name.startsWith("javax.") || name.startsWith("jdk.") || name.startsWith("sun.")
                || name.startsWith("dev.facta.");
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        if (shared(name)) return super.loadClass(name, resolve);
        synchronized (getClassLoadingLock(name)) {
            Class<?> c = findLoadedClass(name);
            if (c == null) {
                try {
                    c = findClass(name);
                } catch (ClassNotFoundException notInJar) {
                    c = getParent().loadClass(name);
                }
            }
            if (resolve) resolveClass(c);
            return c;
        }
    }

    @Override
    public URL getResource(String name) {
        // the jar's own service files and resources first
        URL mine = findResource(name);
        return mine != null ? mine : super.getResource(name);
    }
}
