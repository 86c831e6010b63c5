"""The window's colours: light or dark as the system is (or as chosen in View ▸ Theme), and
lecture mode's high contrast over either.

The views draw in ``theme.scheme()``, which reads the application's palette, and draw
again when the palette changes (their PaletteChange). So everything here comes down to
choosing the application's palette: the system's own when it already fits, otherwise one
of the theme's schemes under the Fusion style, which draws every widget from the palette.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6 import QtCore, QtGui, QtWidgets

from . import theme

if TYPE_CHECKING:
    from .main_window import MainWindow

THEMES = {"system": "&System", "light": "&Light", "dark": "&Dark"}
THEME_KEY = "view/theme"


class Appearance(QtCore.QObject):
    """View ▸ Theme (System / Light / Dark, remembered) and the high-contrast switch."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        app = QtWidgets.QApplication.instance()
        assert isinstance(app, QtWidgets.QApplication)
        self._app = app
        self._system_style = app.style().name()
        self._system_palette = QtGui.QPalette(app.palette())
        hints = QtGui.QGuiApplication.styleHints()
        self._system_scheme = hints.colorScheme()
        self._overridden = False  # the application's palette is one of ours
        self._applying = False
        self._high_contrast = False

        chosen = QtCore.QSettings().value(THEME_KEY, "system")
        self._theme = chosen if chosen in THEMES else "system"
        window.menus["view"].addSeparator()
        menu = window.menus["view"].addMenu("&Theme")
        group = QtGui.QActionGroup(self)
        self.theme_actions: dict[str, QtGui.QAction] = {}
        for name, text in THEMES.items():
            action = menu.addAction(text)
            action.setCheckable(True)
            action.setChecked(name == self._theme)
            action.setStatusTip(
                "Colours as the system's light or dark scheme"
                if name == "system"
                else f"{name.capitalize()} colours, whatever the system's scheme"
            )
            action.triggered.connect(lambda _checked=False, n=name: self.set_theme(n))
            group.addAction(action)
            self.theme_actions[name] = action

        hints.colorSchemeChanged.connect(self._on_system_scheme_changed)
        window.installEventFilter(self)
        self._apply()

    # --- choices ----------------------------------------------------------------------------

    def theme(self) -> str:
        return self._theme

    def set_theme(self, name: str) -> None:
        """ "system", "light" or "dark"; remembered for the next start."""
        if name not in THEMES:
            raise ValueError(f"theme: expected one of {', '.join(THEMES)}, got {name!r}")
        self._theme = name
        self.theme_actions[name].setChecked(True)
        QtCore.QSettings().setValue(THEME_KEY, name)
        self._apply()

    def set_high_contrast(self, on: bool) -> None:
        """Lecture mode's black on white with thick strokes (off: the theme again)."""
        self._high_contrast = bool(on)
        self._apply()

    def system_is_dark(self) -> bool:
        """The system's scheme as Qt reports it; where it cannot tell (Unknown), the
        palette the application started with."""
        if self._system_scheme == QtCore.Qt.ColorScheme.Dark:
            return True
        if self._system_scheme == QtCore.Qt.ColorScheme.Light:
            return False
        return theme.palette_is_dark(self._system_palette)

    # --- the palette --------------------------------------------------------------------------

    def _wanted(self) -> theme.Scheme | None:
        """The scheme whose palette the application needs, or None for the system's own."""
        if self._high_contrast:
            return theme.HIGH_CONTRAST
        dark = {"light": False, "dark": True}.get(self._theme, self.system_is_dark())
        if dark == theme.palette_is_dark(self._system_palette):
            return None  # the system's palette already is light (or dark): keep its look
        return theme.DARK if dark else theme.LIGHT

    def _apply(self) -> None:
        wanted = self._wanted()
        # Set before the palette: its change makes the views draw again, in scheme().
        theme.set_high_contrast(self._high_contrast)
        self._applying = True
        try:
            if wanted is None:
                if self._overridden:
                    self._set_style(self._system_style)
                    self._app.setPalette(QtGui.QPalette())  # back to the system's own
                    self._overridden = False
            else:
                self._set_style("fusion")
                self._app.setPalette(wanted.palette())
                self._overridden = True
            # Qt posts the change to each widget; deliver it now, so every view is in the
            # new colours when this returns (and this filter knows the change is ours).
            QtCore.QCoreApplication.sendPostedEvents(
                None, QtCore.QEvent.Type.ApplicationPaletteChange
            )
        finally:
            self._applying = False

    def _set_style(self, name: str) -> None:
        if self._app.style().name().lower() != name.lower():
            self._app.setStyle(name)

    def _on_system_scheme_changed(self, scheme: QtCore.Qt.ColorScheme) -> None:
        self._system_scheme = scheme
        if not self._overridden:
            self._system_palette = QtGui.QPalette(self._app.palette())
        self._apply()

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        # The system changed its palette (a desktop's colour settings): that is the
        # system's palette from now on, and a forced theme may have to be re-applied.
        if (
            watched is self.window
            and event.type() == QtCore.QEvent.Type.ApplicationPaletteChange
            and not self._applying
            and not self._overridden
        ):
            self._system_palette = QtGui.QPalette(self._app.palette())
            QtCore.QTimer.singleShot(0, self, self._apply)
        return False
