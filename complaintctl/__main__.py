from complaintctl.cli.entry import main

main()
