"""Services of Suivi des défis EIG: everything that is not rendering."""
