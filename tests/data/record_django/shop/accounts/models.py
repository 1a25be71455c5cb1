from django.db import models


# gdpr: retention=P3Y basis=contract purpose=essential.service
class Customer(models.Model):
    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=120)
    phone = models.CharField(max_length=32, blank=True)
