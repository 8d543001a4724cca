#!/bin/sh
# 扶贫就业信息采集: the program itself is the PyInstaller bundle in /opt/fupin-desktop.
exec /opt/fupin-desktop/fupin-desktop "$@"
