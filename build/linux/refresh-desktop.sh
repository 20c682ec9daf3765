#!/bin/sh
# After install, upgrade and removal (the packages' postinstall and
# postremove): the desktop learns, or forgets, the app, its icon and its
# fullscript-companion:// links. Nothing here touches a data folder:
# removing the program never removes anyone's sign-ins. Each tool is optional
# (a server has none); a failed refresh must not fail the package operation.
set -e
if command -v update-desktop-database >/dev/null 2>&1; then
  update-desktop-database -q /usr/share/applications || true
fi
if command -v update-mime-database >/dev/null 2>&1; then
  update-mime-database /usr/share/mime || true
fi
if command -v gtk-update-icon-cache >/dev/null 2>&1; then
  gtk-update-icon-cache -q -t -f /usr/share/icons/hicolor || true
fi
exit 0
