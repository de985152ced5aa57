"""Microsoft.Batch models shared by the management API and the data plane: accounts, applications, pools."""
