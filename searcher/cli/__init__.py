"""The command line: a thin click layer over the library.

``main`` holds the command group and the error funnel (every error becomes one line on
stderr and an ``exit_status``); ``commands`` the commands, each wiring options to a library
call and a printer; ``options`` the options they share; ``environment`` what comes from where
the command runs (default paths, the config folder, whether output is a terminal and in
colour); ``printers`` every output format.

The top layer: may import every other package of searcher; none imports it.
"""
