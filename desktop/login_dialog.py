"""The log-in dialog (登录): asked at start once any user exists, and again when the idle
lock closes the session. It only asks; checking the password and the lock-out is
``db.users_repo.log_in`` (through ``try_log_in``, which tests call without a dialog loop)."""
from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout,
)

from desktop import theme


class LoginDialog(QDialog):
    def __init__(self, log_in, parent=None, username: str = "", locked: bool = False):
        """``log_in(username, password) -> Actor`` raises LoginRefused with the reason."""
        super().__init__(parent)
        self.setObjectName("login_dialog")
        self._log_in = log_in
        self.actor = None
        self.setWindowTitle(self.tr("Grid Command — log in"))
        self.setModal(True)
        intro = QLabel(self.tr("Locked after a time without input. Log in to continue.") if locked
                       else self.tr("Log in with your user name and password."))
        intro.setWordWrap(True)
        self.username = QLineEdit(username)
        self.username.setObjectName("login_username")
        self.username.setMaxLength(64)
        self.password = QLineEdit()
        self.password.setObjectName("login_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setMaxLength(1024)
        self.error = QLabel()
        self.error.setObjectName("login_error")
        self.error.setWordWrap(True)
        theme.set_status(self.error, "alert")
        form = QFormLayout()
        form.addRow(self.tr("User name"), self.username)
        form.addRow(self.tr("Password"), self.password)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Log in"))
        buttons.accepted.connect(self.try_log_in)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        (self.password if username else self.username).setFocus()

    def try_log_in(self) -> bool:
        from db.engine import DatabaseUnavailable
        from db.users_repo import LoginRefused

        try:
            self.actor = self._log_in(self.username.text().strip(), self.password.text())
        except (LoginRefused, DatabaseUnavailable) as exc:
            self.error.setText(str(exc))
            self.password.clear()
            return False
        finally:
            self.password.clear()  # the password lives no longer than the attempt
        self.accept()
        return True
