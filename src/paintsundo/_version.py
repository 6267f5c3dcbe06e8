"""The package's version, in its own module so that every layer can read it without importing the
package and its public API."""

__version__ = "0.2.0"
