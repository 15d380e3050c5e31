from cjo_cli.cli.app import main

main()
