from paintsundo.cli import main

main()
